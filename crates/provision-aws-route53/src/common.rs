//! What the Route53 types share: zone ids without their `/hostedzone/` prefix, DNS names in one
//! spelling (lower case, no final dot, `\052` read as `*`), and the wait for a change to be
//! `INSYNC`.

use crate::context::Clients;
use crate::error::sdk;
use aws_sdk_route53::types::ChangeStatus;
use provision_aws_core::wait::{Status, TimedOut, Wait, until};
use provision_core::{OpContext, ProviderError};
use std::time::Duration;

/// `Z123` from `/hostedzone/Z123`.
pub(crate) fn zone_id(id: &str) -> String {
    id.rsplit('/').next().unwrap_or(id).to_string()
}

/// A DNS name in the spelling provision compares: lower case, without the final dot, with the
/// octal escapes Route53 answers with (`\052` for `*`) decoded.
pub(crate) fn dns_name(name: &str) -> String {
    let mut out = String::new();
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            let digits: String = chars.clone().take(3).collect();
            if digits.len() == 3
                && digits.chars().all(|d| d.is_ascii_digit())
                && let Ok(code) = u8::from_str_radix(&digits, 8)
            {
                out.push(code as char);
                for _ in 0..3 {
                    chars.next();
                }
                continue;
            }
        }
        out.push(c);
    }
    out.trim_end_matches('.').to_ascii_lowercase()
}

/// Waits until change `id` is `INSYNC` (on every Route53 server), telling `ctx` while it is not.
pub(crate) async fn wait_insync(c: &Clients, ctx: &OpContext, id: &str) -> Result<(), ProviderError> {
    let wait = Wait::within(format!("Route53 change {id}"), "INSYNC", ctx, ctx.remaining())
        .polling(Duration::from_secs(1), Duration::from_secs(10));
    until(
        &wait,
        || async {
            let r = c.r53.get_change().id(id).send().await.map_err(|e| sdk("GetChange", e))?;
            Ok(match r.change_info().map(|i| i.status()) {
                Some(ChangeStatus::Insync) | None => Status::Ready(()),
                Some(s) => Status::Pending(format!("change {}", s.as_str())),
            })
        },
        TimedOut::provider_error,
    )
    .await
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_have_one_spelling() {
        assert_eq!(dns_name("\\052.Example.com."), "*.example.com");
        assert_eq!(dns_name("www.example.com"), "www.example.com");
        assert_eq!(zone_id("/hostedzone/Z123"), "Z123");
        assert_eq!(zone_id("Z123"), "Z123");
    }
}
