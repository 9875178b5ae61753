//! Runs the moto AWS emulator for a test: started on a free loopback port, stopped when dropped.
//! A missing moto is a test failure that says how to install it, never a silent skip. Its log
//! (one line per request, on stderr) is read as it comes: a pipe nobody reads holds 64 KiB, and
//! moto, blocked writing the line after that while holding its log lock, answered nothing more.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStderr, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The region tests use.
pub const REGION: &str = "eu-west-1";

/// A running moto server.
pub struct Moto {
    child: Child,
    pub port: u16,
    /// The end of moto's log (the last [`LOG_TAIL`] bytes), for messages.
    log: Arc<Mutex<Vec<u8>>>,
}

/// How much of moto's log is kept.
const LOG_TAIL: usize = 16 * 1024;

/// Reads moto's log until it exits, keeping its end in `tail`.
fn drain(mut stderr: ChildStderr, tail: Arc<Mutex<Vec<u8>>>) {
    let mut buf = [0u8; 8192];
    while let Ok(n) = stderr.read(&mut buf) {
        if n == 0 {
            break;
        }
        let mut t = tail.lock().unwrap_or_else(|p| p.into_inner());
        t.extend_from_slice(&buf[..n]);
        if t.len() > 2 * LOG_TAIL {
            let cut = t.len() - LOG_TAIL;
            t.drain(..cut);
        }
    }
}

/// Where moto_server is: `PROVISION_MOTO_SERVER`, the repository's `.venv`, or the PATH.
pub fn moto_server() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PROVISION_MOTO_SERVER") {
        return Some(PathBuf::from(p));
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/moto_server");
    if venv.is_file() {
        return Some(venv);
    }
    std::env::var_os("PATH")?.to_str()?.split(':').map(|d| PathBuf::from(d).join("moto_server")).find(|p| p.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(0)
}

/// One HTTP request on loopback; returns the status code.
fn http(port: u16, method: &str, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut buf = [0u8; 64];
    let n = s.read(&mut buf).ok()?;
    let head = String::from_utf8_lossy(&buf[..n]);
    head.split_whitespace().nth(1)?.parse().ok()
}

impl Moto {
    /// Starts moto_server and waits until it answers.
    ///
    /// # Panics
    /// When moto is not installed or does not start: the message says what to do.
    pub fn start() -> Moto {
        Self::start_with_env(&[])
    }

    /// Starts moto_server with extra environment (`MOTO_ACM_VALIDATION_WAIT`, ...).
    pub fn start_with_env(env: &[(&str, &str)]) -> Moto {
        let Some(bin) = moto_server() else {
            panic!(
                "moto_server not found. Install the emulator with `scripts/install-moto.sh` \
                 (it puts moto[server]==5.2.5 in .venv), or set PROVISION_MOTO_SERVER to its path."
            )
        };
        let port = free_port();
        let mut child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}; reinstall with scripts/install-moto.sh", bin.display()));
        let log = Arc::new(Mutex::new(Vec::new()));
        let reader = child.stderr.take().map(|stderr| {
            let tail = Arc::clone(&log);
            std::thread::spawn(move || drain(stderr, tail))
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if http(port, "GET", "/moto-api/") == Some(200) {
                return Moto { child, port, log };
            }
            if let Ok(Some(status)) = child.try_wait() {
                if let Some(reader) = reader {
                    let _ = reader.join();
                }
                let err = String::from_utf8_lossy(&log.lock().unwrap_or_else(|p| p.into_inner())).into_owned();
                panic!("moto_server exited with {status} before it was ready:\n{err}");
            }
            assert!(Instant::now() < deadline, "moto_server did not answer on port {port} within 60s");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The environment a process needs to talk to this emulator.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_SESSION_TOKEN", "testing".into()),
            ("AWS_REGION", REGION.into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
            ("AWS_CONFIG_FILE", "/dev/null".into()),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null".into()),
        ]
    }

    /// The end of moto's log so far (its last lines), for a test's failure message.
    pub fn log_tail(&self) -> String {
        let log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        String::from_utf8_lossy(&log[log.len().saturating_sub(LOG_TAIL)..]).into_owned()
    }

    /// Forgets everything the emulator holds.
    pub fn reset(&self) {
        assert_eq!(http(self.port, "POST", "/moto-api/reset"), Some(200), "moto reset failed");
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
