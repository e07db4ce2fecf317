//! The file system edge shared by the exporters, the recorder and the app: whole-file writes that a
//! reader sees either entirely or not at all.

use std::io::Write;
use std::path::Path;

/// Writes a file so that a reader sees either the old file or the whole new one, never a part:
/// into a temporary file beside it, synced, then renamed over it. A symbolic link stays a link
/// (its target is replaced). A path that is not a regular file (`/dev/null`, a FIFO, a terminal)
/// has nothing to replace and is written straight into: renaming over it would put a plain file
/// where the device was.
pub fn write_atomic(path: &Path, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> std::io::Result<()> {
    if is_special(path) {
        let mut w = std::io::BufWriter::new(std::fs::OpenOptions::new().write(true).open(path)?);
        write(&mut w)?;
        return w.flush();
    }
    let resolved;
    let path = match link_target(path)? {
        Some(t) => {
            resolved = t;
            resolved.as_path()
        }
        None => path,
    };
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let f = std::fs::File::create(&tmp)?;
        let mut w = std::io::BufWriter::new(f);
        write(&mut w)?;
        let f = w.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// True when `path` exists and is neither a regular file nor a folder (a device, a FIFO, a
/// socket): there is nothing to replace, only something to write into.
fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// Where a symbolic link at `path` points (so that replacing it replaces its target), or `None`
/// when `path` is not a link.
fn link_target(path: &Path) -> std::io::Result<Option<std::path::PathBuf>> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path).map(Some),
        _ => Ok(None),
    }
}

/// Puts the finished file `tmp` (in `dest`'s folder) in place of `dest`: renamed over it, over a
/// symbolic link's target, or, when `dest` is not a regular file (`/dev/null`, a FIFO), copied
/// into it and removed, so the device or pipe stays what it was.
pub fn replace_with(tmp: &Path, dest: &Path) -> std::io::Result<()> {
    if is_special(dest) {
        let mut to = std::fs::OpenOptions::new().write(true).open(dest)?;
        std::io::copy(&mut std::fs::File::open(tmp)?, &mut to)?;
        to.flush()?;
        return std::fs::remove_file(tmp);
    }
    match link_target(dest)? {
        Some(t) => std::fs::rename(tmp, t),
        None => std::fs::rename(tmp, dest),
    }
}

#[cfg(test)]
mod tests {
    use super::write_atomic;
    use std::io::Read;

    fn scratch(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("wirescope-fs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn replaces_a_file_whole_and_leaves_no_temporary() {
        let d = scratch("file");
        let p = d.join("out.json");
        std::fs::write(&p, "old").unwrap();
        write_atomic(&p, |w| w.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        let failed = write_atomic(&p, |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("cut"))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new", "a failed write keeps the old file");
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 1, "no temporary file left");
    }

    #[test]
    fn a_symlink_stays_a_link_and_its_target_is_replaced() {
        let d = scratch("link");
        let target = d.join("target.json");
        let link = d.join("link.json");
        std::fs::write(&target, "old").unwrap();
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_atomic(&link, |w| w.write_all(b"new")).unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
    }

    /// Reads a FIFO to its end on another thread (a FIFO's writer waits for a reader).
    fn read_in_background(fifo: &std::path::Path) -> std::thread::JoinHandle<String> {
        let fifo = fifo.to_path_buf();
        std::thread::spawn(move || {
            let mut s = String::new();
            std::fs::File::open(&fifo).unwrap().read_to_string(&mut s).unwrap();
            s
        })
    }

    #[test]
    fn a_fifo_is_written_into_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let d = scratch("fifo");
        let fifo = d.join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("mkfifo not available; skipped");
            return;
        }
        let reader = read_in_background(&fifo);
        write_atomic(&fifo, |w| w.write_all(b"through the pipe")).unwrap();
        assert_eq!(reader.join().unwrap(), "through the pipe");
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo(), "still a FIFO");
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 1, "no temporary file left");

        // A finished capture (FILE.part) put in place of a FIFO is copied into it.
        let part = d.join("capture.part");
        std::fs::write(&part, b"finished capture").unwrap();
        let reader = read_in_background(&fifo);
        super::replace_with(&part, &fifo).unwrap();
        assert_eq!(reader.join().unwrap(), "finished capture");
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo(), "still a FIFO");
        assert!(!part.exists(), "the part file is gone");
    }
}
