//! The HTTP client of module downloads: hyper with rustls, the stack the AWS SDK already brings.
//! https everywhere, except plain http for loopback hosts (a registry stub in tests, a local
//! mirror), which Terraform does not allow at all.

use anyhow::{Context, Result, anyhow, bail};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::time::Duration;

/// How long one request (headers and body) may take.
const TIMEOUT: Duration = Duration::from_secs(120);
/// Redirects followed for one download.
const MAX_REDIRECTS: usize = 5;

pub struct Http {
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Empty<Bytes>>,
}

pub struct Response {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
    /// The URL answered, after redirects.
    pub url: String,
}

/// Whether `host` (with or without a port) is this machine.
pub fn is_loopback(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    name == "localhost" || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The host of an http(s) URL.
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?']).next().unwrap_or(rest).rsplit('@').next().unwrap_or(rest)
}

/// Resolves `reference` against `base` (RFC 3986, for the forms registries use: absolute,
/// `//host/x`, `/x`, `x`).
pub fn join(base: &str, reference: &str) -> String {
    if reference.contains("://") || reference.starts_with("git::") {
        return reference.to_string();
    }
    let (scheme, rest) = base.split_once("://").unwrap_or(("https", base));
    if let Some(r) = reference.strip_prefix("//") {
        return format!("{scheme}://{r}");
    }
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    if reference.starts_with('/') {
        return format!("{scheme}://{authority}{reference}");
    }
    let path = rest[authority.len()..].split('?').next().unwrap_or("");
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    format!("{scheme}://{authority}{dir}/{reference}")
}

impl Http {
    pub fn new() -> Result<Http> {
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        let builder = match hyper_rustls::HttpsConnectorBuilder::new().with_provider_and_native_roots(provider) {
            Ok(b) => b,
            // No CA certificates on this machine: https fails when used (with a TLS error), plain
            // http to loopback hosts still works.
            Err(_) => hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(
                rustls::ClientConfig::builder_with_provider(rustls::crypto::aws_lc_rs::default_provider().into())
                    .with_safe_default_protocol_versions()
                    .context("TLS setup")?
                    .with_root_certificates(rustls::RootCertStore::empty())
                    .with_no_client_auth(),
            ),
        };
        let connector = builder.https_or_http().enable_http1().build();
        Ok(Http { client: Client::builder(TokioExecutor::new()).build(connector) })
    }

    /// One GET, following redirects; plain http only to loopback hosts.
    pub async fn get(&self, url: &str) -> Result<Response> {
        let mut url = url.to_string();
        for _ in 0..=MAX_REDIRECTS {
            if url.starts_with("http://") && !is_loopback(host_of(&url)) {
                bail!("{url}: plain http is allowed only for loopback hosts (127.0.0.1, localhost); use https");
            }
            let uri: hyper::Uri = url.parse().map_err(|e| anyhow!("{url} is not a URL: {e}"))?;
            let request = hyper::Request::get(uri)
                .header("user-agent", concat!("provision/", env!("CARGO_PKG_VERSION")))
                .body(Empty::<Bytes>::new())
                .map_err(|e| anyhow!("{url}: {e}"))?;
            let answer = async {
                let response = self.client.request(request).await?;
                let (parts, body) = response.into_parts();
                let body = body.collect().await?.to_bytes();
                anyhow::Ok((parts, body))
            };
            let (parts, body) = tokio::time::timeout(TIMEOUT, answer)
                .await
                .map_err(|_| anyhow!("{url} did not answer within {} s", TIMEOUT.as_secs()))?
                .map_err(|e| anyhow!("{url} could not be reached: {}", error_chain(e.as_ref())))?;
            if parts.status.is_redirection()
                && let Some(location) = parts.headers.get("location").and_then(|l| l.to_str().ok())
            {
                url = join(&url, location);
                continue;
            }
            return Ok(Response { status: parts.status.as_u16(), headers: parts.headers, body, url });
        }
        bail!("{url}: more than {MAX_REDIRECTS} redirects")
    }
}

/// An error and its causes on one line (`connection refused` is often only in a cause).
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let s = c.to_string();
        if !text.contains(&s) {
            text = format!("{text}: {s}");
        }
        cause = c.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::{is_loopback, join};

    #[test]
    fn joins_relative_references() {
        assert_eq!(
            join("https://r.io/v1/modules/a/b/c/1.0.0/download", "./x.tar.gz"),
            "https://r.io/v1/modules/a/b/c/1.0.0/./x.tar.gz"
        );
        assert_eq!(join("https://r.io/v1/modules/", "/archives/x.tar.gz"), "https://r.io/archives/x.tar.gz");
        assert_eq!(join("https://r.io/.well-known/terraform.json", "/v1/modules/"), "https://r.io/v1/modules/");
        assert_eq!(join("https://r.io/a", "https://o.io/b"), "https://o.io/b");
        assert_eq!(join("http://127.0.0.1:9/a/b", "//h.io/x"), "http://h.io/x");
    }

    #[test]
    fn only_this_machine_is_loopback() {
        assert!(is_loopback("127.0.0.1:8080"));
        assert!(is_loopback("localhost"));
        assert!(is_loopback("[::1]:80"));
        assert!(!is_loopback("registry.terraform.io"));
        assert!(!is_loopback("10.0.0.1:80"));
    }
}
