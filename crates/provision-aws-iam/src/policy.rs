//! IAM policy documents compared by meaning, through the provider's policy normalizer
//! (`provision_aws_core::json::normalize_policy`): key order, whitespace, one statement or a list
//! of one, a string or a one-element list, the order of actions, resources, principals and
//! condition values, an account id or its root ARN as principal — none of these is a change. Used
//! to keep the recorded spelling of a document AWS returns reformatted.

pub(crate) use provision_aws_core::json::normalize_policy as normalize;
use provision_core::Value;

/// True when two documents mean the same policy (or are the same text).
pub(crate) fn equivalent(a: &str, b: &str) -> bool {
    a == b || {
        let (x, y) = (normalize(&Value::String(a.into())), normalize(&Value::String(b.into())));
        serde_json::from_str::<serde_json::Value>(a).is_ok() && x == y
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_policy_written_differently() {
        let a = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*","Principal":{"AWS":"123456789012"},"Condition":{"Bool":{"aws:SecureTransport":true}}}]}"#;
        let b = r#"{
          "Statement": {"Resource": ["*"], "Principal": {"AWS": ["arn:aws:iam::123456789012:root"]},
                        "Action": ["s3:List*", "s3:Get*"], "Effect": "Allow",
                        "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
          "Version": "2012-10-17"
        }"#;
        assert!(equivalent(a, b));
        assert!(!equivalent(a, &a.replace("s3:Get*", "s3:Put*")));
        assert!(!equivalent(a, &a.replace("Allow", "Deny")));
        assert!(!equivalent("not json", "not  json"));
    }
}
