//! A journal in a file, appended with a sync after every record.

use alloc::string::String;
use alloc::vec::Vec;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::lines::{self, TornTail};
use super::{Chain, JournalError, JournalSink, Record};

/// Why a file journal could not be opened or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileJournalError {
    /// The file could not be read, written or synced.
    #[error("journal file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The file's records are damaged.
    #[error("journal file {path}: {source}")]
    Journal {
        /// The file.
        path: PathBuf,
        /// The first bad record.
        source: JournalError,
    },
}

/// A journal file opened for appending.
///
/// An append that fails (a full disk, an I/O error, a failed sync) takes
/// its bytes back out of the file, so the file holds exactly the records
/// that were acknowledged and the next append follows the last of them.
#[derive(Debug)]
pub struct FileJournal {
    file: File,
    path: PathBuf,
    tail: Tail,
}

/// Where the acknowledged records end, and whether bytes of a failed
/// append may still lie past that point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Tail {
    len: u64,
    dirty: bool,
}

/// A journal file as found on opening.
#[derive(Debug)]
pub struct Opened<E> {
    /// The journal, ready to append.
    pub journal: FileJournal,
    /// Its records, verified.
    pub records: Vec<Record<E>>,
    /// Where the chain stands.
    pub chain: Chain,
    /// A torn last record that was cut off the file, if any.
    pub torn_tail: Option<TornTail>,
}

impl FileJournal {
    /// Opens (or creates) the journal at `path`, checks the integrity of
    /// every record (hashes, sequence, links: the MACs are checked by the
    /// locker that restores from them, which holds the keys) and,
    /// if the last record was torn by a power cut, truncates it away and
    /// reports it.
    ///
    /// # Errors
    ///
    /// [`FileJournalError::Io`] when the file cannot be read or truncated,
    /// [`FileJournalError::Journal`] when a record other than a torn last
    /// one is damaged (the file is left as it was).
    pub fn open<E: DeserializeOwned + Serialize>(
        path: impl AsRef<Path>,
    ) -> Result<Opened<E>, FileJournalError> {
        let path = path.as_ref().to_path_buf();
        let io = |source| FileJournalError::Io {
            path: path.clone(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            // The records are kept: they are read, then appended to.
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        let mut text = String::new();
        file.read_to_string(&mut text).map_err(io)?;
        let loaded =
            lines::read::<E>(&text, &super::Trust::integrity_only()).map_err(|source| {
                FileJournalError::Journal {
                    path: path.clone(),
                    source,
                }
            })?;
        let valid = u64::try_from(loaded.valid_bytes).unwrap_or(u64::MAX);
        if loaded.torn_tail.is_some() {
            file.set_len(valid).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        let tail = Tail {
            len: valid,
            dirty: false,
        };
        let chain = loaded.chain();
        Ok(Opened {
            journal: Self { file, path, tail },
            records: loaded.records,
            chain,
            torn_tail: loaded.torn_tail,
        })
    }

    /// The file's path.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl<E: Serialize> JournalSink<E> for FileJournal {
    type Error = FileJournalError;

    fn append(&mut self, record: &Record<E>) -> Result<(), Self::Error> {
        let mut line = lines::to_line(record);
        line.push('\n');
        append_line(&mut self.file, &mut self.tail, line.as_bytes()).map_err(|source| {
            FileJournalError::Io {
                path: self.path.clone(),
                source,
            }
        })
    }
}

/// What appending needs of a file; tests make it fail.
trait AppendTarget {
    fn write_all_at(&mut self, bytes: &[u8], at: u64) -> std::io::Result<()>;
    fn set_len(&mut self, len: u64) -> std::io::Result<()>;
    fn sync_data(&mut self) -> std::io::Result<()>;
}

impl AppendTarget for File {
    fn write_all_at(&mut self, bytes: &[u8], at: u64) -> std::io::Result<()> {
        self.seek(SeekFrom::Start(at))?;
        self.write_all(bytes)
    }

    fn set_len(&mut self, len: u64) -> std::io::Result<()> {
        File::set_len(self, len)
    }

    fn sync_data(&mut self) -> std::io::Result<()> {
        File::sync_data(self)
    }
}

/// Writes `line` after the acknowledged records and syncs it: the record is
/// durable when this returns, and a power cut leaves at most a torn last
/// line, which opening cuts away. When the write or the sync fails, the
/// file is cut back to the acknowledged records; if even that fails, the
/// next append cuts it first, and refuses until it can.
fn append_line(
    target: &mut impl AppendTarget,
    tail: &mut Tail,
    line: &[u8],
) -> std::io::Result<()> {
    if tail.dirty {
        target.set_len(tail.len)?;
        tail.dirty = false;
    }
    let written = target
        .write_all_at(line, tail.len)
        .and_then(|()| target.sync_data());
    match written {
        Ok(()) => {
            tail.len += u64::try_from(line.len()).unwrap_or(u64::MAX);
            Ok(())
        }
        Err(error) => {
            tail.dirty = target
                .set_len(tail.len)
                .and_then(|()| target.sync_data())
                .is_err();
            Err(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Error, ErrorKind};

    /// A file in memory whose writes, syncs and truncations fail on demand.
    #[derive(Default)]
    struct Flaky {
        bytes: Vec<u8>,
        /// Fail the next write after this many of its bytes.
        write_fails_after: Option<usize>,
        sync_fails: bool,
        set_len_fails: bool,
    }

    fn full() -> Error {
        Error::new(ErrorKind::StorageFull, "no space left on device")
    }

    impl AppendTarget for Flaky {
        fn write_all_at(&mut self, bytes: &[u8], at: u64) -> std::io::Result<()> {
            let at = usize::try_from(at).unwrap();
            let (taken, result) = match self.write_fails_after.take() {
                Some(n) => (n.min(bytes.len()), Err(full())),
                None => (bytes.len(), Ok(())),
            };
            if self.bytes.len() < at + taken {
                self.bytes.resize(at + taken, 0);
            }
            self.bytes[at..at + taken].copy_from_slice(&bytes[..taken]);
            result
        }

        fn set_len(&mut self, len: u64) -> std::io::Result<()> {
            if self.set_len_fails {
                return Err(Error::other("read-only file system"));
            }
            self.bytes.resize(usize::try_from(len).unwrap(), 0);
            Ok(())
        }

        fn sync_data(&mut self) -> std::io::Result<()> {
            if self.sync_fails {
                Err(Error::other("I/O error"))
            } else {
                Ok(())
            }
        }
    }

    fn tail() -> Tail {
        Tail {
            len: 0,
            dirty: false,
        }
    }

    #[test]
    fn a_torn_write_is_taken_back_and_the_next_record_follows_the_last() {
        let mut file = Flaky::default();
        let mut tail = tail();
        append_line(&mut file, &mut tail, b"first\n").unwrap();
        file.write_fails_after = Some(3);
        assert!(append_line(&mut file, &mut tail, b"second-and-long\n").is_err());
        assert_eq!(file.bytes, b"first\n");
        append_line(&mut file, &mut tail, b"third\n").unwrap();
        assert_eq!(file.bytes, b"first\nthird\n");
        assert_eq!(tail.len, 12);
    }

    #[test]
    fn a_failed_sync_takes_the_whole_record_back() {
        let mut file = Flaky::default();
        let mut tail = tail();
        append_line(&mut file, &mut tail, b"first\n").unwrap();
        file.sync_fails = true;
        assert!(append_line(&mut file, &mut tail, b"second\n").is_err());
        file.sync_fails = false;
        assert_eq!(file.bytes, b"first\n");
        append_line(&mut file, &mut tail, b"second\n").unwrap();
        assert_eq!(file.bytes, b"first\nsecond\n");
    }

    #[test]
    fn bytes_that_cannot_be_cut_block_appends_until_they_can() {
        let mut file = Flaky::default();
        let mut tail = tail();
        append_line(&mut file, &mut tail, b"first\n").unwrap();
        file.write_fails_after = Some(10);
        file.set_len_fails = true;
        assert!(append_line(&mut file, &mut tail, b"second-and-long\n").is_err());
        assert!(tail.dirty);
        // Nothing is written after bytes of a failed record.
        assert!(append_line(&mut file, &mut tail, b"third\n").is_err());
        assert_eq!(file.bytes, b"first\nsecond-and");
        file.set_len_fails = false;
        append_line(&mut file, &mut tail, b"third\n").unwrap();
        assert_eq!(file.bytes, b"first\nthird\n");
        assert!(!tail.dirty);
    }
}
