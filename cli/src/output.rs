//! Writing outputs so that a reader never sees a half-written file, and nothing is overwritten
//! without `--force`.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Where an output goes, resolved before any work is done on its input.
#[derive(Debug, Clone)]
pub struct Target {
    /// The path as given, for messages.
    pub path: PathBuf,
    /// Its directory, where the temporary file is made so that the rename stays on one file
    /// system and is atomic.
    dir: PathBuf,
}

impl Target {
    /// Checks that `path` may be written: its directory exists, it is not `input` (compared
    /// after resolving links and `..`), and it does not exist unless `force`.
    pub fn new(path: &Path, input: &Path, force: bool) -> Result<Target> {
        let name = path
            .file_name()
            .with_context(|| format!("output {} has no file name", path.display()))?;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let real_dir = dir
            .canonicalize()
            .with_context(|| format!("output directory {} is not usable", dir.display()))?;
        if !force {
            if let Ok(real_input) = input.canonicalize()
                && real_input == real_dir.join(name)
            {
                bail!(
                    "output {} is the input; pass --force to replace it",
                    path.display()
                );
            }
            // symlink_metadata: a dangling link is still something we would replace.
            if fs::symlink_metadata(path).is_ok() {
                bail!(
                    "output {} exists; pass --force to overwrite it",
                    path.display()
                );
            }
        }
        Ok(Target {
            path: path.to_path_buf(),
            dir,
        })
    }

    /// Writes the output through `write` into a temporary file beside it, then renames it into
    /// place: without `force` the rename fails rather than replace a file that appeared in the
    /// meantime. On any error the temporary file is removed and the target is untouched.
    pub fn write(
        &self,
        force: bool,
        write: impl FnOnce(&mut BufWriter<&mut fs::File>) -> Result<()>,
    ) -> Result<()> {
        let mut builder = tempfile::Builder::new();
        builder.prefix(".bilateral-").suffix(".tmp");
        // A temporary file is private (0600); the output should get the usual permissions,
        // as if created with File::create under the umask.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(fs::Permissions::from_mode(0o666));
        }
        let mut tmp = builder
            .tempfile_in(&self.dir)
            .with_context(|| format!("cannot create a temporary file in {}", self.dir.display()))?;
        {
            let mut out = BufWriter::new(tmp.as_file_mut());
            write(&mut out)?;
            out.flush()?;
        }
        tmp.as_file()
            .sync_all()
            .context("cannot flush the output to disk")?;
        let persisted = if force {
            tmp.persist(&self.path).map(drop)
        } else {
            tmp.persist_noclobber(&self.path).map(drop)
        };
        persisted.map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                anyhow::anyhow!(
                    "output {} appeared meanwhile; pass --force to overwrite it",
                    self.path.display()
                )
            } else {
                anyhow::Error::new(e.error).context(format!("cannot write {}", self.path.display()))
            }
        })
    }
}
