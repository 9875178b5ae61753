//! Tests of the moto harness itself: the emulator it starts keeps answering however long a test
//! talks to it (issue 16: moto wedged once its log filled the pipe nobody read).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use provision_testkit::moto::Moto;

/// One GET on loopback, one request per connection; the status code, or why there is none.
fn get(port: u16, path: &str) -> Result<u16, String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(10))).map_err(|e| e.to_string())?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .map_err(|e| format!("send: {e}"))?;
    let mut buf = [0u8; 64];
    let n = s.read(&mut buf).map_err(|e| format!("no answer within 10s: {e}"))?;
    let head = String::from_utf8_lossy(&buf[..n]);
    head.split_whitespace().nth(1).and_then(|c| c.parse().ok()).ok_or_else(|| format!("not HTTP: {head:?}"))
}

/// moto logs one line per request to its stderr; a pipe holds 64 KiB. Each request here logs about
/// 1 KiB (its path is in the line), so 400 of them log six times what a pipe holds: unless the
/// harness reads moto's log as it comes, moto blocks in that write, holding its log lock, and no
/// request is answered again (what hung `s3_state_two_applies_at_once_never_lose_an_update`).
#[test]
fn moto_keeps_answering_after_logging_more_than_a_pipe_holds() {
    let moto = Moto::start();
    let padding = "x".repeat(1000);
    for i in 0..400 {
        let status = get(moto.port, &format!("/moto-api/?request={i}&padding={padding}"));
        assert_eq!(
            status,
            Ok(200),
            "request {i} of 400, after about {i} KiB of moto log; it ends:\n{}",
            moto.log_tail()
        );
    }
}
