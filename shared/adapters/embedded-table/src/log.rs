//! The write-ahead log: what makes a group of writes durable before the table file is.
//!
//! Each group commit appends one record — every put (key and stored bytes) and delete the group
//! applied — and syncs it (one `fdatasync` of a few pages, written in order); its changes reach
//! redb later, in a commit that is not synced (a few dozen groups at a time through the
//! `overlay`). Every [`CHECKPOINT_AT`] bytes of log, one durable redb commit (a checkpoint)
//! writes the table's pages once for all the groups since the last, and the log starts again
//! from its beginning. A durable redb commit per group instead wrote and
//! synced every page the group touched (both indexes, the allocator's state) and was a third of
//! the server's CPU under load (docs/measurements.md).
//!
//! Record layout (integers little-endian): payload length (u32), CRC-32 of the table's id, the
//! sequence number and the payload (u32), sequence number (u64), payload. The id is a random
//! number the table file keeps from its creation, so a log left beside a new or another table
//! file (the old one deleted or replaced) fails every checksum and is never applied to it. Payload: entries, each a tag (`1` put,
//! `2` delete), the partition key and sort key (u32 length, bytes each) and, for a put, the
//! stored row (u32 length, bytes).
//!
//! Recovery ([`Log::open`]): the table's last durable commit records the sequence number of the
//! last group it holds. The log is read from its beginning while records are whole (length and
//! checksum) and consecutive (each number one more than the last); those after the recorded
//! number are applied again. A record torn by a crash fails its checksum and ends the log; so do
//! the records of an earlier round, left behind the current one (their numbers are lower). A
//! log whose first group past the checkpoint is not the next one (an older copy of the table
//! file put back beside a newer log) cannot be applied without a gap: opening fails and says so.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
#[cfg(unix)]
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use tutorbridge_table::{Key, TableError};

/// Log bytes after which the next group ends with a checkpoint. Larger means fewer (and
/// longer) checkpoints and a longer replay after a crash. Practice under load logs 6-10 KB per
/// item, so 4 MiB meant three checkpoints a second (6-10 ms each at 8 students, 22-44 ms at
/// 256, every write waiting); at 16 MiB the 256-student load ran 13 % faster on average and a
/// restart after SIGKILL still answers in ~0.2 s (docs/measurements.md).
pub(crate) const CHECKPOINT_AT: u64 = 16 * 1024 * 1024;
/// A record larger than this is not logged: its group is committed durably by redb itself (a
/// checkpoint), so the log never grows far past [`CHECKPOINT_AT`].
pub(crate) const MAX_RECORD: usize = 16 * 1024 * 1024;

const HEADER: usize = 16;
const PUT: u8 = 1;
const DELETE: u8 = 2;

/// One logged change, as recovery applies it again.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Change {
    Put { key: Key, row: Vec<u8> },
    Delete { key: Key },
}

/// The changes of one group, encoded as the writer applies them: the record as it is written,
/// its header left blank until [`Log::append`] numbers it (so the payload, up to megabytes for
/// a large group, is never copied).
#[derive(Debug)]
pub(crate) struct Record {
    bytes: Vec<u8>,
}

impl Default for Record {
    fn default() -> Self {
        Record {
            bytes: vec![0; HEADER],
        }
    }
}

impl Record {
    pub fn put(&mut self, key: &Key, row: &[u8]) {
        self.bytes.push(PUT);
        self.key(key);
        self.counted(row);
    }

    pub fn delete(&mut self, key: &Key) {
        self.bytes.push(DELETE);
        self.key(key);
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.len() == HEADER
    }

    /// The record's size in the log, header included.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    fn payload(&self) -> &[u8] {
        &self.bytes[HEADER..]
    }

    fn key(&mut self, key: &Key) {
        self.counted(key.pk.as_bytes());
        self.counted(key.sk.as_bytes());
    }

    /// `bytes`, their length first.
    fn counted(&mut self, bytes: &[u8]) {
        // Rows and keys are far below 4 GiB (DynamoDB items are at most 400 KB; a larger
        // record is never logged, see MAX_RECORD).
        self.bytes
            .extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        self.bytes.extend_from_slice(bytes);
    }
}

/// The log file and where the next record goes.
pub(crate) struct Log {
    file: File,
    /// The table's id, in every record's checksum.
    table: u64,
    /// Where the next record is written.
    end: u64,
    /// The sequence number of the last record written (or of the last group the table holds).
    last: u64,
}

fn io(error: std::io::Error) -> TableError {
    TableError::backend(error)
}

impl Log {
    /// The log beside the table file at `table`.
    pub fn path(table: &Path) -> PathBuf {
        let mut name = table.as_os_str().to_owned();
        name.push(".log");
        PathBuf::from(name)
    }

    /// Open (or create) the log at `path`, for the table `table` whose durable state holds
    /// every group up to `checkpointed`; returns the log and the changes of the groups after
    /// it, in order, for the caller to apply and checkpoint before writing ([`Log::restart`]).
    pub fn open(
        path: &Path,
        table: u64,
        checkpointed: u64,
    ) -> Result<(Log, Vec<Vec<Change>>), TableError> {
        let created = !path.exists();
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        // The log holds items as the table file does: its owner's only.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).map_err(io)?;
        if created {
            sync_parent(path)?;
        }
        let mut bytes = Vec::new();
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.read_to_end(&mut bytes).map_err(io)?;
        let mut groups = Vec::new();
        let mut last = checkpointed;
        let mut previous = None;
        let mut at = 0;
        while let Some((seq, payload, next)) = read_record(&bytes, at, table) {
            if previous.is_some_and(|p: u64| seq != p + 1) {
                break;
            }
            previous = Some(seq);
            at = next;
            if seq > checkpointed {
                if last + 1 != seq {
                    return Err(TableError::backend(format!(
                        "the log {} does not continue its table file (the file holds groups up \
                         to {checkpointed}, the log resumes at {seq}): was an older copy of the \
                         file put back? Move the log away to open the file as it is",
                        path.display()
                    )));
                }
                groups.push(decode(payload)?);
                last = seq;
            }
        }
        Ok((
            Log {
                file,
                table,
                end: 0,
                last,
            },
            groups,
        ))
    }

    /// The sequence number of the last group logged (what a commit records as held).
    pub fn last(&self) -> u64 {
        self.last
    }

    /// Whether `record` should be logged (else its group is committed durably
    /// by redb itself).
    pub fn takes(&self, record: &Record) -> bool {
        record.len() <= MAX_RECORD
    }

    /// Whether enough has been logged since the last checkpoint to take one.
    pub fn wants_checkpoint(&self) -> bool {
        self.end >= CHECKPOINT_AT
    }

    /// Append `record` as the next group and sync it; returns its sequence number. The caller
    /// answers no one until this returns `Ok`.
    pub fn append(&mut self, record: &mut Record) -> Result<u64, TableError> {
        let seq = self.last + 1;
        let mut crc = crc32fast::Hasher::new();
        crc.update(&self.table.to_le_bytes());
        crc.update(&seq.to_le_bytes());
        crc.update(record.payload());
        let length = (record.len() - HEADER) as u32;
        let header = &mut record.bytes[..HEADER];
        header[0..4].copy_from_slice(&length.to_le_bytes());
        header[4..8].copy_from_slice(&crc.finalize().to_le_bytes());
        header[8..16].copy_from_slice(&seq.to_le_bytes());
        write_at(&self.file, &record.bytes, self.end)?;
        self.file.sync_data().map_err(io)?;
        self.end += record.len() as u64;
        self.last = seq;
        Ok(seq)
    }

    /// After a checkpoint (a durable commit holding every group up to [`Log::last`]): the
    /// next record is written at the beginning again, over the old ones. No sync needed: until
    /// it is overwritten, an old record's number is at most the checkpoint's, so recovery skips
    /// it.
    pub fn restart(&mut self) {
        self.end = 0;
    }
}

#[cfg(unix)]
fn write_at(file: &File, bytes: &[u8], at: u64) -> Result<(), TableError> {
    file.write_all_at(bytes, at).map_err(io)
}

#[cfg(not(unix))]
fn write_at(mut file: &File, bytes: &[u8], at: u64) -> Result<(), TableError> {
    use std::io::Write;
    file.seek(SeekFrom::Start(at)).map_err(io)?;
    file.write_all(bytes).map_err(io)
}

/// A new file's name is durable once its folder is synced.
fn sync_parent(path: &Path) -> Result<(), TableError> {
    #[cfg(unix)]
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        File::open(parent)
            .and_then(|dir| dir.sync_all())
            .map_err(io)?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// The whole record at `at`, if there is one: its number, payload and where the next begins.
fn read_record(bytes: &[u8], at: usize, table: u64) -> Option<(u64, &[u8], usize)> {
    let header = bytes.get(at..at.checked_add(HEADER)?)?;
    let len = u32::from_le_bytes(header[0..4].try_into().ok()?) as usize;
    let crc = u32::from_le_bytes(header[4..8].try_into().ok()?);
    let seq_bytes = &header[8..16];
    let start = at + HEADER;
    let payload = bytes.get(start..start.checked_add(len)?)?;
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&table.to_le_bytes());
    hasher.update(seq_bytes);
    hasher.update(payload);
    if hasher.finalize() != crc || (len == 0 && crc == 0) {
        return None;
    }
    let seq = u64::from_le_bytes(seq_bytes.try_into().ok()?);
    Some((seq, payload, start + len))
}

fn decode(payload: &[u8]) -> Result<Vec<Change>, TableError> {
    let corrupt = || TableError::backend("the table's log holds a record it cannot read");
    let mut changes = Vec::new();
    let mut rest = payload;
    let take = |rest: &mut &[u8]| -> Result<Vec<u8>, TableError> {
        let len_bytes = rest.get(..4).ok_or_else(corrupt)?;
        let len = u32::from_le_bytes(len_bytes.try_into().map_err(|_| corrupt())?) as usize;
        let value = rest.get(4..4 + len).ok_or_else(corrupt)?.to_vec();
        *rest = &rest[4 + len..];
        Ok(value)
    };
    while let Some((&tag, tail)) = rest.split_first() {
        rest = tail;
        let pk = String::from_utf8(take(&mut rest)?).map_err(|_| corrupt())?;
        let sk = String::from_utf8(take(&mut rest)?).map_err(|_| corrupt())?;
        let key = Key::new(pk, sk);
        changes.push(match tag {
            PUT => Change::Put {
                key,
                row: take(&mut rest)?,
            },
            DELETE => Change::Delete { key },
            _ => return Err(corrupt()),
        });
    }
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: u64 = 0x7ab1e;

    fn key(n: u32) -> Key {
        Key::new(format!("USER#{n}"), "PROFILE")
    }

    fn record(n: u32) -> Record {
        let mut record = Record::default();
        record.put(&key(n), format!("row {n}").as_bytes());
        record.delete(&key(n + 1000));
        record
    }

    fn changes(n: u32) -> Vec<Change> {
        vec![
            Change::Put {
                key: key(n),
                row: format!("row {n}").into_bytes(),
            },
            Change::Delete { key: key(n + 1000) },
        ]
    }

    /// A fresh log in its own folder (kept alive by the returned guard).
    fn new_log() -> (tempfile::TempDir, PathBuf, Log) {
        let dir = tempfile::tempdir().expect("a folder");
        let path = dir.path().join("t.log");
        let (log, groups) = Log::open(&path, TABLE, 0).expect("a log");
        assert!(groups.is_empty());
        (dir, path, log)
    }

    #[test]
    fn groups_after_the_checkpoint_are_read_back_in_order() {
        let (_dir, path, mut log) = new_log();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .expect("the log")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "the log is its owner's only");
        }
        for n in 1..=3 {
            assert_eq!(log.append(&mut record(n)).expect("logged"), u64::from(n));
        }
        drop(log);
        let (log, groups) = Log::open(&path, TABLE, 1).expect("reopened");
        assert_eq!(groups, vec![changes(2), changes(3)]);
        assert_eq!(log.last(), 3);
    }

    #[test]
    fn a_torn_record_ends_the_log() {
        let (_dir, path, mut log) = new_log();
        log.append(&mut record(1)).expect("logged");
        let end = log.end;
        log.append(&mut record(2)).expect("logged");
        drop(log);
        // A crash halfway through the second record's write.
        let file = OpenOptions::new().write(true).open(&path).expect("open");
        file.set_len(end + 10).expect("torn");
        let (log, groups) = Log::open(&path, TABLE, 0).expect("reopened");
        assert_eq!(groups, vec![changes(1)]);
        assert_eq!(log.last(), 1);
        // A corrupted byte in a whole record fails its checksum the same way.
        let bytes = std::fs::read(&path).expect("read");
        let mut flipped = bytes.clone();
        flipped[HEADER + 3] ^= 0xff;
        std::fs::write(&path, &flipped).expect("write");
        let (_, groups) = Log::open(&path, TABLE, 0).expect("reopened");
        assert!(groups.is_empty());
    }

    #[test]
    fn after_a_restart_the_old_round_is_not_replayed() {
        let (_dir, path, mut log) = new_log();
        for n in 1..=4 {
            log.append(&mut record(n)).expect("logged");
        }
        // A checkpoint holds groups 1-4; the next round overwrites from the beginning.
        log.restart();
        assert_eq!(log.append(&mut record(5)).expect("logged"), 5);
        drop(log);
        // Records 2-4 are still in the file behind record 5, but lower: not replayed.
        let (log, groups) = Log::open(&path, TABLE, 4).expect("reopened");
        assert_eq!(groups, vec![changes(5)]);
        assert_eq!(log.last(), 5);
        // A crash right after the checkpoint, before record 5: the old round is all skipped.
        let (_, groups) = Log::open(&path, TABLE, 5).expect("reopened");
        assert!(groups.is_empty());
        // A file that holds only up to 3 (an older copy put back): group 4 is gone from the
        // log, so applying 5 would leave a gap.
        let refused = Log::open(&path, TABLE, 3).err().expect("refused");
        assert!(
            refused.to_string().contains("does not continue"),
            "{refused}"
        );
    }

    #[test]
    fn another_tables_log_is_never_applied() {
        let (_dir, path, mut log) = new_log();
        log.append(&mut record(1)).expect("logged");
        drop(log);
        let (log, groups) = Log::open(&path, TABLE + 1, 0).expect("reopened");
        assert!(groups.is_empty());
        assert_eq!(log.last(), 0);
    }
}
