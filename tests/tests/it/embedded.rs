//! The embedded database (the README's first command) never hangs: commands next to a serving
//! demo, clients and the demo itself killed with `kill -9`, stale server files, several commands
//! started at once on an idle folder (docs/adr/0018). These run the real `billing` binary with
//! no `DATABASE_URL`, on a data folder of their own.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use billing_tests::billing_binary;

const DEMO_KEY: &str = "sk_test_demo_0123456789abcdefghijklmnop";
/// Far above what any command here needs; reaching it means the command hung.
const COMMAND_LIMIT: Duration = Duration::from_secs(90);

fn data_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("billing-embedded-{name}-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// `billing` on the embedded database in `dir` (no server URL reaches it).
fn billing(dir: &Path) -> Command {
    let mut c = Command::new(billing_binary());
    c.current_dir(dir)
        // These tests count the demo's twelve customers: no year of history.
        .env("BILLING_DEMO_HISTORY", "0")
        .env_remove("DATABASE_URL")
        .env_remove("TEST_DATABASE_URL")
        .env_remove("BILLING__DATABASE__URL")
        .env("BILLING__DATABASE__EMBEDDED_DIR", dir.join("billing-data"))
        .env("BILLING__JOBS__VIES_RECHECK", "")
        // The demo's scheduled invoice run and snapshot would land mid-test at a quarter hour.
        .env("BILLING__JOBS__INVOICE_RUN", "")
        .env("BILLING__JOBS__METRICS_SNAPSHOT", "")
        .env("BILLING_LOG", "warn")
        .env("LANG", "en");
    c
}

/// Runs a command to its end, or fails the test when it takes longer than [`COMMAND_LIMIT`].
async fn finish(mut command: Command, what: &str) -> std::process::Output {
    command.stdout(Stdio::piped()).stderr(Stdio::piped()).stdin(Stdio::null());
    let child = command.spawn().expect("billing starts");
    let pid = child.id();
    let waited =
        tokio::time::timeout(COMMAND_LIMIT, tokio::task::spawn_blocking(move || child.wait_with_output())).await;
    match waited {
        Ok(out) => out.expect("join").expect("wait"),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("`billing {what}` hung for {COMMAND_LIMIT:?}");
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// Starts `billing demo` and waits until it answers.
async fn start_demo(dir: &Path, port: u16) -> Child {
    let mut c = billing(dir);
    c.arg("demo").env("BILLING__SERVER__BIND", format!("127.0.0.1:{port}")).stdout(Stdio::null()).stderr(Stdio::null());
    // The readers below send the demo key's requests as fast as they can, for minutes: its rate
    // limits (docs/adr/0033) would refuse them, and these tests are about the one connection.
    c.env("BILLING__API__RATE_LIMIT_PER_KEY", "0").env("BILLING__API__RATE_LIMIT_PER_TENANT", "0");
    let mut child = c.spawn().expect("demo starts");
    let http = reqwest::Client::new();
    let started = Instant::now();
    loop {
        if let Ok(r) = http.get(format!("http://127.0.0.1:{port}/readyz")).send().await
            && r.status().is_success()
        {
            return child;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("billing demo exited with {status}");
        }
        assert!(started.elapsed() < COMMAND_LIMIT, "billing demo did not answer within {COMMAND_LIMIT:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn kill9(child: &mut Child) {
    // `Child::kill` is SIGKILL on Unix: no clean-up runs, as with `kill -9`.
    child.kill().expect("kill -9");
    let _ = child.wait();
}

/// API reads from `workers` loops until `stop`; counts answers that were not 200.
fn api_readers(port: u16, workers: usize, stop: Arc<AtomicBool>) -> (Arc<AtomicU64>, Arc<AtomicU64>) {
    let (ok, bad) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    for _ in 0..workers {
        let (ok, bad, stop) = (ok.clone(), bad.clone(), stop.clone());
        tokio::spawn(async move {
            let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().expect("client");
            while !stop.load(Ordering::SeqCst) {
                let r = http
                    .get(format!("http://127.0.0.1:{port}/api/v1/customers?limit=5"))
                    .bearer_auth(DEMO_KEY)
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status().is_success() => ok.fetch_add(1, Ordering::SeqCst),
                    _ => bad.fetch_add(1, Ordering::SeqCst),
                };
            }
        });
    }
    (ok, bad)
}

fn ok_or_panic(out: &std::process::Output, what: &str) {
    assert!(
        out.status.success(),
        "`billing {what}` failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
}

#[tokio::test]
async fn two_hundred_commands_next_to_a_serving_demo_all_complete_and_kills_change_nothing() {
    let dir = data_dir("demo");
    let port = free_port();
    let mut demo = start_demo(&dir, port).await;
    let stop = Arc::new(AtomicBool::new(false));
    let (reads_ok, reads_bad) = api_readers(port, 3, stop.clone());

    let commands: [&[&str]; 6] = [
        &["runs", "list", "--json"],
        &["invoice-run", "--dry-run", "--json"],
        &["api", "--tenant", "demo", "GET", "/api/v1/plans"],
        &["jobs", "run", "apply-credit"],
        &["invoice-run"],
        &["jobs", "run", "finalize-drafts"],
    ];
    for i in 0..200 {
        let args = commands[i % commands.len()];
        let mut c = billing(&dir);
        c.args(args);
        let out = finish(c, &args.join(" ")).await;
        ok_or_panic(&out, &args.join(" "));
        // Now and then a client is killed in the middle of its command: the owner finishes the
        // command on its own, and the next command is served as before.
        if i % 40 == 7 {
            let mut victim = billing(&dir);
            victim.args(["invoice-run", "--dry-run"]).stdout(Stdio::null()).stderr(Stdio::null());
            let mut victim = victim.spawn().expect("client starts");
            tokio::time::sleep(Duration::from_millis(20 + 40 * (i as u64 % 5))).await;
            kill9(&mut victim);
        }
    }
    // The output of a command run by the owner is the command's own.
    let mut c = billing(&dir);
    c.args(["api", "--tenant", "demo", "GET", "/api/v1/customers?limit=100"]);
    let out = finish(c, "api GET customers").await;
    ok_or_panic(&out, "api GET customers");
    let customers: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(customers["data"].as_array().map(Vec::len), Some(12), "{customers}");

    stop.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(reads_ok.load(Ordering::SeqCst) > 0, "the API answered reads while commands ran");
    assert_eq!(reads_bad.load(Ordering::SeqCst), 0, "every API read next to the commands succeeded");

    // The demo killed with kill -9 leaves its server file behind; a restart takes over at once.
    kill9(&mut demo);
    assert!(dir.join("billing-data/billing-server.json").exists(), "a killed owner leaves its file");
    let mut demo = start_demo(&dir, port).await;
    let mut c = billing(&dir);
    c.args(["runs", "list", "--json"]);
    let out = finish(c, "runs list after a restart").await;
    ok_or_panic(&out, "runs list after a restart");
    let runs: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let real: Vec<_> = runs.as_array().expect("list").iter().filter(|r| r["dry_run"] == false).collect();
    assert!(!real.is_empty(), "the real runs survived the kill: {runs}");
    kill9(&mut demo);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_stale_server_file_with_a_live_pid_does_not_make_a_command_wait() {
    let dir = data_dir("stale");
    let out = finish(
        {
            let mut c = billing(&dir);
            c.arg("migrate");
            c
        },
        "migrate",
    )
    .await;
    ok_or_panic(&out, "migrate");
    // pid 1 is alive (and not ours); the address answers nothing. A pid check would trust it.
    std::fs::write(
        dir.join("billing-data/billing-server.json"),
        r#"{"pid": 1, "ops_url": "http://127.0.0.1:9", "token": "x", "database_url": "postgresql://127.0.0.1:9/x"}"#,
    )
    .expect("write a stale file");
    let started = Instant::now();
    let mut c = billing(&dir);
    c.args(["runs", "list"]);
    let out = finish(c, "runs list").await;
    ok_or_panic(&out, "runs list");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "a free folder is taken at once, whatever the file says ({:?})",
        started.elapsed()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn commands_started_together_on_an_idle_folder_all_complete() {
    let dir = data_dir("together");
    let mut c = billing(&dir);
    c.args(["demo", "--no-serve"]);
    let out = finish(c, "demo --no-serve").await;
    ok_or_panic(&out, "demo --no-serve");
    let mut tasks = Vec::new();
    for i in 0..6 {
        let mut c = billing(&dir);
        if i % 2 == 0 {
            c.args(["runs", "list"]);
        } else {
            c.args(["invoice-run", "--dry-run"]);
        }
        tasks.push(tokio::spawn(finish(c, "a command started with five others")));
    }
    for t in tasks {
        let out = t.await.expect("join");
        ok_or_panic(&out, "a command started with five others");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_second_demo_on_a_served_folder_names_the_running_one() {
    let dir = data_dir("second");
    let port = free_port();
    let mut demo = start_demo(&dir, port).await;
    let mut c = billing(&dir);
    c.arg("demo").env("BILLING__SERVER__BIND", format!("127.0.0.1:{}", free_port()));
    let out = finish(c, "a second demo").await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("http://127.0.0.1:{port}")), "the message names the running demo: {err}");
    kill9(&mut demo);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn log_lines_to_a_pipe_carry_no_colour_codes() {
    let dir = data_dir("logs");
    let mut c = billing(&dir);
    c.arg("migrate").env("BILLING_LOG", "info");
    let out = finish(c, "migrate").await;
    ok_or_panic(&out, "migrate");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("INFO"), "info lines were logged: {err}");
    assert!(!err.contains('\u{1b}'), "no ANSI escape in piped logs: {err:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every job of issue 12 by name (`billing jobs run NAME`) on the embedded database, next to a
/// serving demo whose scheduler runs its own jobs on the same single connection: each command
/// completes (none waits on a connection another holds), succeeds, and is recorded as a finished
/// run without an error.
#[tokio::test]
async fn every_job_runs_by_name_on_the_embedded_database() {
    let dir = data_dir("jobs");
    let fx = dir.join("fx");
    std::fs::create_dir_all(&fx).expect("fx folder");
    let ecb = Path::new(env!("CARGO_MANIFEST_DIR")).join("../billing-core/tests/fixtures/ecb/eurofxref-daily.xml");
    std::fs::copy(ecb, fx.join("daily.xml")).expect("copy the ECB file");
    let port = free_port();
    // The owner runs the commands with its own configuration: the rates folder, and a VIES that
    // answers nothing at once (no call leaves the machine).
    let mut demo = {
        let mut c = billing(&dir);
        c.arg("demo")
            .env("BILLING__SERVER__BIND", format!("127.0.0.1:{port}"))
            .env("BILLING__FX__FOLDER", &fx)
            .env("BILLING__VIES__ENDPOINT", "http://127.0.0.1:9")
            .env("BILLING__VIES__TIMEOUT_MS", "200")
            .env("BILLING__VIES__RETRIES", "0")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = c.spawn().expect("demo starts");
        let http = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if let Ok(r) = http.get(format!("http://127.0.0.1:{port}/readyz")).send().await
                && r.status().is_success()
            {
                break child;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("billing demo exited with {status}");
            }
            assert!(started.elapsed() < COMMAND_LIMIT, "billing demo did not answer");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let jobs: [&[&str]; 11] = [
        &["invoice-run"],
        &["finalize-drafts"],
        &["collect"],
        &["dunning"],
        &["apply-credit"],
        &["vies-recheck"],
        &["fx-import"],
        &["mail"],
        &["webhooks"],
        &["predunning"],
        &["metrics-snapshot"],
    ];
    for job in jobs {
        let mut c = billing(&dir);
        c.args(["jobs", "run"]).args(job);
        let out = finish(c, &format!("jobs run {}", job[0])).await;
        ok_or_panic(&out, &format!("jobs run {}", job[0]));
    }
    let mut c = billing(&dir);
    c.args(["jobs", "list", "--json", "--limit", "200"]);
    let out = finish(c, "jobs list").await;
    ok_or_panic(&out, "jobs list");
    let runs: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    for job in jobs {
        let name = job[0];
        let by_hand: Vec<_> =
            runs.as_array().expect("list").iter().filter(|r| r["job"] == name && r["trigger"] == "cli").collect();
        assert!(!by_hand.is_empty(), "`jobs run {name}` was recorded: {runs}");
        for r in by_hand {
            assert!(r["finished_at"].is_string() && r["error"].is_null(), "`jobs run {name}` finished cleanly: {r}");
        }
    }
    // The rates came from the folder in the owner's configuration (the daily file: 30 rates).
    let fx_run = runs.as_array().expect("list").iter().find(|r| r["job"] == "fx-import").expect("fx-import run");
    assert_eq!(fx_run["done"], 30, "{fx_run}");
    kill9(&mut demo);
    let _ = std::fs::remove_dir_all(&dir);
}
