//! The per-member storage quota for notes: how many earlier versions each
//! note keeps, and how many bytes of text one member may store in all.

/// Default [`Quota::revisions_per_note`].
pub const DEFAULT_REVISIONS_PER_NOTE: u16 = 50;
/// Default [`Quota::bytes_per_member`], in MiB.
pub const DEFAULT_MIB_PER_MEMBER: u32 = 20;

/// Limits on what one member's notes may take in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Earlier versions kept per note; older ones are deleted at each save
    /// (at least 1).
    pub revisions_per_note: usize,
    /// Bytes of text (UTF-8 titles, bodies and tags of notes, the trash and
    /// every kept version) one member may store.
    pub bytes_per_member: u64,
}

impl Default for Quota {
    /// 50 versions per note, 20 MiB per member.
    fn default() -> Self {
        Quota {
            revisions_per_note: usize::from(DEFAULT_REVISIONS_PER_NOTE),
            bytes_per_member: u64::from(DEFAULT_MIB_PER_MEMBER) * 1024 * 1024,
        }
    }
}

/// A save refused because it would take the member over their quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverQuota {
    /// Bytes the member's notes take now.
    pub used: u64,
    /// Bytes the save would add.
    pub adding: u64,
    /// The member's cap ([`Quota::bytes_per_member`]).
    pub cap: u64,
}

impl Quota {
    /// Whether `adding` bytes fit beside `used` ones.
    pub fn check(&self, used: u64, adding: u64) -> Result<(), OverQuota> {
        if used.saturating_add(adding) > self.bytes_per_member {
            Err(OverQuota {
                used,
                adding,
                cap: self.bytes_per_member,
            })
        } else {
            Ok(())
        }
    }
}

impl OverQuota {
    /// The sentence shown above the form, e.g. "Your notes take 19.9 MiB of
    /// the 20.0 MiB each member may store, and this needs 300 KiB more. …"
    pub fn message(&self) -> String {
        format!(
            "Not saved: your notes take {} of the {} each member may store, and this needs {} more. \
             Empty the trash or delete notes you no longer need, then try again.",
            size(self.used),
            size(self.cap),
            size(self.adding)
        )
    }
}

/// `n` bytes as KiB or MiB with one decimal.
fn size(n: u64) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KiB", n.div_ceil(1024))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_is_inclusive_and_the_message_names_the_sizes() {
        let q = Quota {
            revisions_per_note: 3,
            bytes_per_member: 2 * 1024 * 1024,
        };
        assert!(q.check(1024 * 1024, 1024 * 1024).is_ok());
        let over = q.check(2 * 1024 * 1024 - 10, 300 * 1024).unwrap_err();
        let msg = over.message();
        assert!(msg.contains("2.0 MiB of the 2.0 MiB"), "{msg}");
        assert!(msg.contains("300 KiB more"), "{msg}");
    }
}
