//! Another user of this machine must not finish someone's browser login. The address handed to
//! the browser sits in the browser's argv, which every local user can read in
//! `/proc/PID/cmdline`; a co-user who opens it first, signs in as themselves and delivers their
//! own code to the callback would have agentview store a token for the co-user's account.
//! Where the owner of a connection cannot be found, nobody is served and pasting still works.
#![cfg(target_os = "linux")]

use std::io::BufRead;
use std::path::Path;
use std::process::Output;
use std::sync::mpsc;
use std::time::Duration;

use super::*;
use support::cli::{require_root, wait_for_exit, wait_until};
use support::server::DEFAULT_USER;

/// Whom the co-user signs in as at the authorization server.
const ATTACKER: &str = "mallory";

/// A local account for the co-user, removed again when dropped.
struct CoUser {
    name: String,
    uid: u32,
    gid: u32,
}

impl CoUser {
    fn create() -> CoUser {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
        let name = format!("avco{}x{nanos}", std::process::id());
        let made = Command::new("useradd")
            .args(["--system", "--no-create-home", "--user-group", "--shell", "/bin/false", &name])
            .output()
            .expect("useradd runs");
        assert!(made.status.success(), "useradd {name}: {}", String::from_utf8_lossy(&made.stderr));
        let id = |flag: &str| -> u32 {
            let out = Command::new("id").args([flag, &name]).output().expect("id runs");
            String::from_utf8_lossy(&out.stdout).trim().parse().expect("a number")
        };
        let (uid, gid) = (id("-u"), id("-g"));
        assert_ne!(uid, 0);
        CoUser { name, uid, gid }
    }

    /// `program args` run as this user, with no groups and nothing of the test's environment.
    fn run(&self, program: &str, args: &[&str]) -> Output {
        let (uid, gid) = (format!("--reuid={}", self.uid), format!("--regid={}", self.gid));
        Command::new("setpriv")
            .args([uid.as_str(), gid.as_str(), "--clear-groups", "--", program])
            .args(args)
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .stdin(Stdio::null())
            .output()
            .expect("setpriv runs")
    }

    /// `curl -s -o /dev/null -w FORMAT URL` as this user, with extra `flags`: what it wrote.
    fn curl(&self, format: &str, flags: &[&str], url: &str) -> String {
        let mut args = vec!["-s", "-o", NULL_DEVICE, "-w", format];
        args.extend_from_slice(flags);
        args.push(url);
        String::from_utf8_lossy(&self.run("curl", &args).stdout).into_owned()
    }
}

impl Drop for CoUser {
    fn drop(&mut self) {
        let _ = Command::new("userdel").arg(&self.name).output();
    }
}

/// The process whose argv names `script` (the browser agentview started).
fn browser_pid(script: &Path) -> u32 {
    let script = script.display().to_string();
    wait_until("the browser runs", Duration::from_secs(20), || {
        std::fs::read_dir("/proc").ok()?.flatten().find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let argv = std::fs::read(entry.path().join("cmdline")).ok()?;
            String::from_utf8_lossy(&argv).split('\0').any(|a| a == script).then_some(pid)
        })
    })
}

#[test]
fn a_co_user_cannot_finish_or_hijack_a_browser_login() {
    if !require_root("creating another local user needs root") {
        return;
    }
    let mallory = CoUser::create();
    let server = oauth_server(OAuthConfig::default());
    let mut av = Agentview::new(&server.mcp_url());
    let dir = av.dir.path().to_path_buf();
    // A browser slower than the co-user: it starts only once the test says so.
    let browser = support::cli::script(
        &dir,
        "browser",
        &format!(
            r#"cd '{dir}'
i=0
while [ ! -e go ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done
curl -sSL -o /dev/null -w '%{{http_code}}' "$1" > victim"#,
            dir = dir.display()
        ),
    );
    av.set("BROWSER", browser.to_str().unwrap());
    let mut child =
        av.command(&["login", "--method", "oauth"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let (tx, rx) = mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut terminal = String::new();
    let authorization_url = loop {
        let line = rx.recv_timeout(Duration::from_secs(20)).expect("agentview prints the URL");
        terminal.push_str(&line);
        terminal.push('\n');
        if line.trim().contains("/authorize?") {
            break line.trim().to_string();
        }
    };

    // The co-user reads the browser's argv, as any local user can.
    let pid = browser_pid(&browser);
    let argv = mallory.run("cat", &[&format!("/proc/{pid}/cmdline")]);
    assert!(argv.status.success(), "the co-user can read the browser's argv");
    let start = String::from_utf8_lossy(&argv.stdout)
        .split('\0')
        .find(|a| a.starts_with("http://127.0.0.1:") && a.contains("/start/"))
        .expect("the browser's argv holds the start address")
        .to_string();
    // They open it first and, with what it leads to, sign in as themselves.
    let at_start = mallory.curl("%{http_code} %{redirect_url}", &[], &start);
    let (start_status, led_to) = at_start.split_once(' ').unwrap_or((at_start.as_str(), ""));
    // Had the start address shown them nothing, they use the authorization URL as if it had
    // leaked as well: the callback must turn them away on its own, not for want of `state`.
    let url = if led_to.is_empty() { authorization_url.as_str() } else { led_to };
    let cookie = format!("Cookie: user={ATTACKER}");
    let signed_in = mallory.curl("%{http_code} %{redirect_url}", &["-H", &cookie], url);
    let callback = signed_in.split_once(' ').map(|(_, u)| u.to_string()).unwrap_or_default();
    assert!(callback.contains("code="), "the co-user got a code of their own: {signed_in}");
    let at_callback = mallory.curl("%{http_code}", &[], &callback);

    // Then the person's browser arrives.
    std::fs::write(dir.join("go"), "").unwrap();
    let status = wait_for_exit(&mut child, Duration::from_secs(60)).expect("agentview finishes");
    reader.join().unwrap();
    terminal.extend(rx.try_iter().map(|l| l + "\n"));
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_default();

    let grants = server.oauth_counts().code_grants_by_user;
    assert_eq!(grants.get(ATTACKER), None, "a token for the co-user's account was issued:\n{terminal}");
    assert!(status.success(), "{terminal}");
    let token = stored(&av)["token"].as_str().unwrap_or_default().to_string();
    assert_eq!(
        server.access_token_user(&token).as_deref(),
        Some(DEFAULT_USER),
        "the stored token opens the wrong account"
    );
    assert!(server.access_token_valid(&token));
    assert_eq!(grants.get(DEFAULT_USER), Some(&1));
    assert_eq!(start_status, "403", "the co-user is refused at the start address");
    assert_eq!(at_callback, "403", "the co-user is refused at the callback");
    assert_eq!(read("victim"), "200", "the person's browser completes the login");
    let refused: Vec<&str> = terminal.lines().filter(|l| l.contains("another local user")).collect();
    assert_eq!(refused.len(), 1, "one line says a co-user was refused:\n{terminal}");
    assert!(refused[0].contains(&format!("uid {}", mallory.uid)), "{}", refused[0]);
}

/// Where no socket's owner can be found (here: no /proc at all), the listener answers nobody:
/// a lookup that fails is no way in. The redirect pasted on stdin still finishes the login.
#[test]
fn without_socket_owners_nobody_is_served_and_pasting_still_works() {
    if !require_root("hiding /proc in a private mount namespace needs root") {
        return;
    }
    let server = oauth_server(OAuthConfig::default());
    let av = Agentview::new(&server.mcp_url());
    let hide_proc = r#"mount -t tmpfs -o size=4k tmpfs /proc && exec "$@""#;
    let mut child = av
        .wrapper("unshare")
        .args(["-m", "sh", "-c", hide_proc, "sh"])
        .arg(support::cli::binary())
        .args(["login", "--method", "oauth", "--no-browser"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let (tx, rx) = mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut terminal = String::new();
    let mut next_line = || {
        let line = rx.recv_timeout(Duration::from_secs(20)).unwrap_or_else(|_| panic!("agentview said:\n{terminal}"));
        terminal.push_str(&line);
        terminal.push('\n');
        (line, terminal.clone())
    };
    let url = loop {
        let (line, _) = next_line();
        if line.trim().contains("/authorize?") {
            break line.trim().to_string();
        }
    };
    // The person's browser signs in and is sent back to the listener, which turns it away.
    let out = Command::new("curl")
        .args(["-sL", "-o", NULL_DEVICE, "-w", "%{http_code} %{url_effective}", &url])
        .output()
        .expect("curl runs");
    let landed = String::from_utf8_lossy(&out.stdout).into_owned();
    let (status, callback) = landed.split_once(' ').expect("a status and an address");
    assert_eq!(status, "403", "the callback is refused: {landed}");
    assert!(callback.contains("code="), "{landed}");
    let told = loop {
        let (line, seen) = next_line();
        if line.contains("refused a connection") {
            break (line, seen);
        }
    };
    assert!(told.0.contains("owner could not be determined"), "{}", told.1);
    assert!(told.0.contains("paste the address"), "{}", told.0);
    // The person pastes the address their browser ended up at.
    use std::io::Write;
    writeln!(stdin, "{callback}").unwrap();
    drop(stdin);
    let status = wait_for_exit(&mut child, Duration::from_secs(60)).expect("agentview finishes");
    reader.join().unwrap();
    terminal.extend(rx.try_iter().map(|l| l + "\n"));
    assert!(status.success(), "{terminal}");
    let token = stored(&av)["token"].as_str().unwrap_or_default().to_string();
    assert_eq!(server.access_token_user(&token).as_deref(), Some(DEFAULT_USER));
    assert!(server.access_token_valid(&token));
}
