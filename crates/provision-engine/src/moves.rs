//! Applies the configuration's `moved` blocks to a state before anything is planned: each object
//! recorded under a `from` address is recorded under its `to` address instead, with the
//! dependencies that name it; and its `removed` blocks: objects to forget are taken out. Nothing
//! in AWS changes; applying the plan writes the new state.
//!
//! Deliberately absent: rewriting an object's `provision:address` tag. It keeps the address the
//! object was created for; crash recovery never adopts an object already recorded, so the old
//! value cannot mislead it.

use provision_config::{MoveTarget, Moved, Removed};
use provision_core::Address;
use provision_core::state::State;

/// Moves the objects `moved` names; returns each (from, to) instance address moved, and a
/// warning for each move that could not be made because its destination is taken.
pub(crate) fn move_objects(moved: &[Moved], state: &mut State) -> (Vec<(Address, Address)>, Vec<String>) {
    let mut moves = vec![];
    let mut warnings = vec![];
    for m in moved {
        let targets: Vec<(usize, Address)> = state
            .resources
            .iter()
            .enumerate()
            .filter_map(|(i, o)| destination(&m.from, &m.to, &o.address).map(|to| (i, to)))
            .collect();
        for (i, to) in targets {
            let from = state.resources[i].address.clone();
            let deposed = state.resources[i].deposed.clone();
            if state.resources.iter().any(|o| o.address == to && o.deposed == deposed) {
                warnings.push(format!(
                    "{from} was not moved to {to}: an object is already recorded there; remove one of them (provision state rm) and plan again"
                ));
                continue;
            }
            state.resources[i].address = to.clone();
            if deposed.is_none() {
                moves.push((from, to));
            }
        }
        // Dependencies are recorded by resource (no instance key): follow whole-resource and
        // module moves.
        for o in &mut state.resources {
            for d in &mut o.dependencies {
                if let Some(to) = destination(&m.from, &m.to, d)
                    && to.key.is_none()
                {
                    *d = to;
                }
            }
        }
    }
    (moves, warnings)
}

/// Takes out of `state` the objects `removed` blocks with `destroy = false` name (deposed ones
/// too); returns the addresses forgotten.
pub(crate) fn forget_objects(removed: &[Removed], state: &mut State) -> Vec<Address> {
    let mut forgotten = vec![];
    for r in removed.iter().filter(|r| !r.destroy) {
        state.resources.retain(|o| {
            let named = match &r.from {
                MoveTarget::Resource(a) => o.address.same_resource(a),
                MoveTarget::Module(steps) => o.address.module.starts_with(steps),
            };
            if named && o.deposed.is_none() {
                forgotten.push(o.address.clone());
            }
            !named
        });
    }
    forgotten
}

/// Where `address` goes under the move `from` → `to`, if the move concerns it.
fn destination(from: &MoveTarget, to: &MoveTarget, address: &Address) -> Option<Address> {
    match (from, to) {
        (MoveTarget::Resource(f), MoveTarget::Resource(t)) if f.key.is_some() => (address == f).then(|| t.clone()),
        (MoveTarget::Resource(f), MoveTarget::Resource(t)) => address.same_resource(f).then(|| Address {
            module: t.module.clone(),
            mode: t.mode,
            type_name: t.type_name.clone(),
            name: t.name.clone(),
            key: address.key.clone(),
        }),
        (MoveTarget::Module(f), MoveTarget::Module(t)) => address.module.starts_with(f).then(|| {
            let mut module = t.clone();
            module.extend(address.module[f.len()..].iter().cloned());
            Address { module, ..address.clone() }
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(s: &str) -> MoveTarget {
        if s.starts_with("module.") && s.parse::<Address>().is_err() {
            MoveTarget::Module(format!("{s}.t.n").parse::<Address>().expect("module").module)
        } else {
            MoveTarget::Resource(s.parse().expect("address"))
        }
    }

    #[test]
    fn destinations() {
        let to = |from: &str, to: &str, a: &str| {
            destination(&target(from), &target(to), &a.parse().expect("address")).map(|a| a.to_string())
        };
        assert_eq!(
            to("aws_vpc.main", "module.net.aws_vpc.this", "aws_vpc.main").as_deref(),
            Some("module.net.aws_vpc.this")
        );
        assert_eq!(
            to("aws_subnet.a", "module.net.aws_subnet.public", "aws_subnet.a[1]").as_deref(),
            Some("module.net.aws_subnet.public[1]")
        );
        assert_eq!(
            to("aws_subnet.a[0]", "aws_subnet.a[\"eu-west-3a\"]", "aws_subnet.a[0]").as_deref(),
            Some("aws_subnet.a[\"eu-west-3a\"]")
        );
        assert_eq!(to("aws_subnet.a[0]", "aws_subnet.a[\"x\"]", "aws_subnet.a[1]"), None);
        assert_eq!(
            to("module.old", "module.new", "module.old.module.sub.aws_vpc.this[0]").as_deref(),
            Some("module.new.module.sub.aws_vpc.this[0]")
        );
        assert_eq!(to("module.old", "module.new", "module.older.aws_vpc.this"), None);
        assert_eq!(to("aws_vpc.main", "aws_vpc.primary", "data.aws_vpc.main"), None);
    }
}
