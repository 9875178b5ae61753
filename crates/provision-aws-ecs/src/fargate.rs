//! The task sizes Fargate accepts: a task's `cpu` and `memory` (in CPU units and MiB, or written
//! as ECS also takes them, `"1 vCPU"`, `"2 GB"`), checked at plan time when the task definition
//! requires FARGATE, so a wrong pair fails before anything is created instead of at
//! `RegisterTaskDefinition`.

/// The `Normalizer` of `cpu`: `"1 vCPU"` → `"1024"`, `"0.25 vcpu"` → `"256"`; numbers as written.
pub(crate) fn normalize_cpu(v: &provision_core::Value) -> provision_core::Value {
    match v.as_str().and_then(cpu_units) {
        Some(n) => provision_core::Value::String(n.to_string()),
        None => v.clone(),
    }
}

/// The `Normalizer` of `memory`: `"2 GB"` → `"2048"`; numbers as written.
pub(crate) fn normalize_memory(v: &provision_core::Value) -> provision_core::Value {
    match v.as_str().and_then(memory_mib) {
        Some(n) => provision_core::Value::String(n.to_string()),
        None => v.clone(),
    }
}

/// CPU units of `"256"`, `"1 vCPU"`, `"0.5vcpu"`.
pub(crate) fn cpu_units(s: &str) -> Option<u32> {
    let t = s.trim().to_ascii_lowercase();
    if let Some(v) = t.strip_suffix("vcpu") {
        let f: f64 = v.trim().parse().ok()?;
        let units = f * 1024.0;
        return (units.fract() == 0.0 && units > 0.0).then_some(units as u32);
    }
    t.parse().ok()
}

/// MiB of `"512"`, `"2 GB"`, `"2gb"`.
pub(crate) fn memory_mib(s: &str) -> Option<u32> {
    let t = s.trim().to_ascii_lowercase();
    if let Some(v) = t.strip_suffix("gb") {
        let f: f64 = v.trim().parse().ok()?;
        let mib = f * 1024.0;
        return (mib.fract() == 0.0 && mib > 0.0).then_some(mib as u32);
    }
    t.strip_suffix("mib").or_else(|| t.strip_suffix("mb")).unwrap_or(&t).trim().parse().ok()
}

/// For each Fargate CPU size: the memory sizes allowed with it (MiB), as (from, to, step).
const SIZES: &[(u32, u32, u32, u32)] = &[
    (256, 512, 2048, 512),
    (512, 1024, 4096, 1024),
    (1024, 2048, 8192, 1024),
    (2048, 4096, 16384, 1024),
    (4096, 8192, 30720, 1024),
    (8192, 16384, 61440, 4096),
    (16384, 32768, 122880, 8192),
];

/// Whether Fargate runs a task of `cpu` units and `memory` MiB; the message lists what would.
pub(crate) fn check(cpu: &str, memory: &str) -> Result<(), String> {
    let Some(c) = cpu_units(cpu) else {
        return Err(format!("`cpu` = \"{cpu}\" is not a CPU size (CPU units such as \"256\", or \"1 vCPU\")"));
    };
    let Some(m) = memory_mib(memory) else {
        return Err(format!("`memory` = \"{memory}\" is not a memory size (MiB such as \"512\", or \"2 GB\")"));
    };
    let Some(&(_, from, to, step)) = SIZES.iter().find(|(units, ..)| *units == c) else {
        let all: Vec<String> = SIZES.iter().map(|(u, ..)| u.to_string()).collect();
        return Err(format!("Fargate does not run tasks of {c} CPU units: `cpu` must be one of {}", all.join(", ")));
    };
    if m < from || m > to || (m - from) % step != 0 {
        let step_text = if from == 512 && step == 512 {
            "512, 1024 or 2048".to_string()
        } else {
            format!("{from} to {to} in steps of {step}")
        };
        return Err(format!(
            "Fargate does not run a task of {c} CPU units with {m} MiB: with `cpu` = \"{c}\", `memory` must be {step_text}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_combinations() {
        for (cpu, memory) in [
            ("256", "512"),
            ("256", "2048"),
            ("512", "4096"),
            ("1024", "2048"),
            ("1 vCPU", "2 GB"),
            ("0.25 vCPU", "1024"),
            ("4096", "30720"),
            ("8192", "20480"),
            ("16384", "122880"),
        ] {
            assert_eq!(check(cpu, memory), Ok(()), "{cpu}/{memory}");
        }
        for (cpu, memory, says) in [
            ("256", "4096", "512, 1024 or 2048"),
            ("512", "512", "1024 to 4096 in steps of 1024"),
            ("1024", "1536", "2048 to 8192"),
            ("8192", "18432", "steps of 4096"),
            ("300", "1024", "must be one of 256, 512"),
            ("lots", "1024", "not a CPU size"),
            ("256", "much", "not a memory size"),
        ] {
            let e = check(cpu, memory).expect_err("refused");
            assert!(e.contains(says), "{cpu}/{memory}: {e}");
        }
    }

    #[test]
    fn sizes_written_in_words() {
        assert_eq!(cpu_units("1 vCPU"), Some(1024));
        assert_eq!(cpu_units(".5 vcpu"), Some(512));
        assert_eq!(memory_mib("0.5GB"), Some(512));
        assert_eq!(memory_mib("3072"), Some(3072));
    }
}
