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
#[derive(Debug)]
pub struct FileJournal {
    file: File,
    path: PathBuf,
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
    /// Opens (or creates) the journal at `path`, verifies every record and,
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
            .append(true)
            .create(true)
            .open(&path)
            .map_err(io)?;
        let mut text = String::new();
        file.read_to_string(&mut text).map_err(io)?;
        let loaded = lines::read::<E>(&text, None).map_err(|source| FileJournalError::Journal {
            path: path.clone(),
            source,
        })?;
        if loaded.torn_tail.is_some() {
            let valid = u64::try_from(loaded.valid_bytes).unwrap_or(u64::MAX);
            file.set_len(valid).map_err(io)?;
            file.seek(SeekFrom::End(0)).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        Ok(Opened {
            journal: Self { file, path },
            records: loaded.records,
            chain: loaded.chain,
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
        let io = |source| FileJournalError::Io {
            path: self.path.clone(),
            source,
        };
        // One write per record, then a data sync: the record is durable
        // when this returns, and a cut leaves at most a torn last line.
        self.file.write_all(line.as_bytes()).map_err(io)?;
        self.file.sync_data().map_err(io)
    }
}
