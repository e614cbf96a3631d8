//! A throw-away MIT Kerberos realm for a test: the one `scripts/with-kdc` started around the test
//! run (`SECPKG_KDC_DIR` is set), or one `scripts/kdc` starts now and stops on drop, panic or not.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A running KDC and the environment its clients and services need (`DIR/env` of scripts/kdc).
#[derive(Debug)]
pub struct Kdc {
    pub dir: PathBuf,
    /// KRB5_CONFIG, KRB5CCNAME, KRB5_KTNAME, KRB5RCACHEDIR, SECPKG_KDC_*.
    pub env: Vec<(String, String)>,
    /// Started here, so stopped and removed on drop.
    owned: bool,
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/kdc")
}

/// Whether the KDC's programs are installed (Debian: krb5-kdc, krb5-admin-server, krb5-user).
pub fn installed() -> bool {
    let found = |tool: &str| {
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path).chain([PathBuf::from("/usr/sbin")]).any(|dir| dir.join(tool).is_file())
    };
    ["krb5kdc", "kdb5_util", "kadmin.local", "kinit"].into_iter().all(found)
}

impl Kdc {
    /// The KDC of scripts/with-kdc, else a new one; panics (with scripts/kdc's message) if it
    /// does not start.
    pub fn start() -> Kdc {
        if let Some(dir) = std::env::var_os("SECPKG_KDC_DIR") {
            let dir = PathBuf::from(dir);
            return Kdc { env: read_env(&dir), dir, owned: false };
        }
        let dir = std::env::temp_dir().join(format!("secpkg-kdc-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        // The guard exists before the start, so a half-started KDC is stopped too.
        let mut kdc = Kdc { dir, env: Vec::new(), owned: true };
        let output = Command::new(script()).arg("start").arg(&kdc.dir).output().expect("scripts/kdc runs");
        assert!(
            output.status.success(),
            "scripts/kdc start failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        kdc.env = read_env(&kdc.dir);
        kdc
    }

    pub fn var(&self, name: &str) -> &str {
        self.env.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str()).unwrap_or_else(|| {
            panic!("{}/env sets no {name}", self.dir.display());
        })
    }

    /// The krb5kdc process's id, from its pid file.
    pub fn pid(&self) -> u32 {
        let text = std::fs::read_to_string(self.dir.join("krb5kdc.pid")).expect("krb5kdc.pid");
        text.trim().parse().expect("a pid in krb5kdc.pid")
    }
}

impl Drop for Kdc {
    fn drop(&mut self) {
        if !self.owned {
            return;
        }
        match Command::new(script()).arg("stop").arg(&self.dir).status() {
            Ok(status) if status.success() => {}
            other => eprintln!("scripts/kdc stop {}: {other:?}", self.dir.display()),
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `export NAME=VALUE` lines.
fn read_env(dir: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(dir.join("env")).unwrap_or_else(|e| panic!("{}/env: {e}", dir.display()));
    text.lines()
        .filter_map(|line| line.strip_prefix("export ")?.split_once('='))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}
