//! The bundles `ruchy-wasm build` writes, run where users run them: every
//! program of `tests/wasm-tier.txt` as `node NAME.mjs`, and at least ten of
//! them as the web bundle in headless Chromium, loaded over HTTP from a
//! local static server. Output must be the VM's, byte for byte (the
//! `.out` files).
//!
//! Needs `node` and `chromium` on the PATH (`tests/install-deps.sh`, which
//! the README's test command and `.ci/run` call, installs them).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn listed_programs() -> Vec<String> {
    std::fs::read_to_string(repo_root().join("tests/wasm-tier.txt"))
        .expect("tests/wasm-tier.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}

fn expected(name: &str) -> (Vec<u8>, i32, Option<String>) {
    let dir = repo_root().join("tests/conformance");
    let out = std::fs::read(dir.join(format!("{name}.out"))).expect(".out");
    let code = std::fs::read_to_string(dir.join(format!("{name}.code"))).map_or(0, |c| c.trim().parse().expect("numeric .code"));
    let err = std::fs::read_to_string(dir.join(format!("{name}.err"))).ok().map(|e| e.trim_end_matches('\n').to_string());
    (out, code, err)
}

/// `ruchy-wasm build tests/conformance/NAME.ruchy -o DIR --target TARGET`;
/// `Err(stderr)` when it reports compile errors.
fn build(name: &str, target: &str, out_dir: &Path) -> Result<(), String> {
    let run = Command::new(env!("CARGO_BIN_EXE_ruchy-wasm"))
        .args(["build", &format!("{name}.ruchy"), "--target", target, "-o"])
        .arg(out_dir)
        .current_dir(repo_root().join("tests/conformance"))
        .output()
        .expect("run ruchy-wasm build");
    if run.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&run.stderr).into_owned())
    }
}

fn require(tool: &str) {
    let found = Command::new("sh").args(["-c", &format!("command -v {tool}")]).stdout(Stdio::null()).status().is_ok_and(|s| s.success());
    assert!(found, "`{tool}` is not installed: run tests/install-deps.sh");
}

fn temp_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ruchy-bundles-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn node_bundles_print_what_the_vm_prints() {
    require("node");
    let dir = temp_dir("node");
    let mut failures = vec![];
    let names = listed_programs();
    for name in &names {
        let sub = dir.join(name);
        let (out, code, err) = expected(name);
        if let Err(stderr) = build(name, "node", &sub) {
            // A program whose expected outcome is a compile-time error.
            let wanted = code == 1 && out.is_empty() && err.as_ref().is_some_and(|e| stderr.contains(e.as_str()));
            if !wanted {
                failures.push(format!("{name}: build failed: {stderr}"));
            }
            continue;
        }
        let run = Command::new("node").arg(sub.join(format!("{name}.mjs"))).stdin(Stdio::null()).output().expect("run node");
        let stderr = String::from_utf8_lossy(&run.stderr);
        if run.stdout != out {
            failures.push(format!("{name}: stdout differs:\n{}", String::from_utf8_lossy(&run.stdout)));
        }
        if run.status.code() != Some(code) {
            failures.push(format!("{name}: exit {:?}, expected {code}; stderr {stderr}", run.status.code()));
        }
        if let Some(e) = err {
            if !stderr.contains(&e) {
                failures.push(format!("{name}: stderr lacks {e:?}: {stderr}"));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{} of {} failed in Node:\n{}", failures.len(), names.len(), failures.join("\n"));
}

/// Serves `root` over HTTP on 127.0.0.1 until the process ends; returns the port.
fn serve(root: PathBuf) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let root = root.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream);
                let mut request = String::new();
                if reader.read_line(&mut request).is_err() {
                    return;
                }
                // Drain the headers.
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let path = request.split_whitespace().nth(1).unwrap_or("/").trim_start_matches('/').to_string();
                let file = root.join(&path);
                let mut stream = reader.into_inner();
                let (status, body) = match std::fs::read(&file) {
                    Ok(b) if !path.contains("..") => ("200 OK", b),
                    _ => ("404 Not Found", b"not found".to_vec()),
                };
                let ty = match file.extension().and_then(|e| e.to_str()) {
                    Some("html") => "text/html; charset=utf-8",
                    Some("mjs") | Some("js") => "text/javascript",
                    Some("wasm") => "application/wasm",
                    _ => "application/octet-stream",
                };
                let head = format!("HTTP/1.1 {status}\r\nContent-Type: {ty}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            });
        }
    });
    port
}

/// A page that runs the bundle and puts stdout and the exit code in the DOM.
fn harness(name: &str) -> String {
    format!(
        r#"<!doctype html><meta charset="utf-8"><title>{name}</title>
<pre id="out"></pre><pre id="code">running</pre>
<script type="module">
import {{ run }} from "./{name}.mjs";
const out = document.getElementById("out");
const text = new TextDecoder();
try {{
  const code = await run({{ write: (fd, bytes) => {{ if (fd === 1) out.textContent += text.decode(bytes, {{ stream: true }}); }} }});
  document.getElementById("code").textContent = "exit " + code;
}} catch (e) {{
  document.getElementById("code").textContent = "error " + e;
}}
</script>
"#
    )
}

fn unescape_html(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&nbsp;", "\u{a0}").replace("&amp;", "&")
}

/// The text of `<pre id="ID">…</pre>` in a dumped DOM.
fn pre_text(dom: &str, id: &str) -> Option<String> {
    let open = format!("<pre id=\"{id}\">");
    let start = dom.find(&open)? + open.len();
    let end = dom[start..].find("</pre>")? + start;
    Some(unescape_html(&dom[start..end]))
}

/// Conformance areas (file-name prefixes) the browser test covers.
const BROWSER_AREAS: &[&str] = &["02", "03", "04", "05", "10", "11", "12", "13", "15", "16", "17", "18", "19", "20", "30"];

/// Loads `url` in headless Chromium; the page's stdout and exit status.
fn browse(url: &str) -> (Option<String>, Option<String>) {
    let mut child = Command::new("chromium")
        .args(["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--virtual-time-budget=60000", "--dump-dom", url])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run chromium");
    let mut dom = String::new();
    child.stdout.take().unwrap().read_to_string(&mut dom).unwrap();
    let _ = child.wait();
    (pre_text(&dom, "out"), pre_text(&dom, "code"))
}

#[test]
fn web_bundles_run_in_headless_chromium() {
    require("chromium");
    let dir = temp_dir("web");
    // A spread of the corpus (one program per feature area), not all of
    // it: a headless browser start costs about a second on CI machines.
    let names: Vec<String> = listed_programs()
        .into_iter()
        .filter(|n| expected(n).1 == 0 && BROWSER_AREAS.iter().any(|a| n.starts_with(a)))
        .fold(Vec::<String>::new(), |mut acc, n| {
            if !acc.iter().any(|m| m[..3] == n[..3]) {
                acc.push(n);
            }
            acc
        });
    assert!(names.len() >= 10, "at least ten listed programs must run in the browser; found {}", names.len());
    for name in &names {
        let sub = dir.join(name);
        build(name, "web", &sub).unwrap_or_else(|e| panic!("{name}: build failed: {e}"));
        std::fs::write(sub.join("index.html"), harness(name)).unwrap();
    }
    let port = serve(dir.clone());
    let mut failures = vec![];
    for name in &names {
        let url = format!("http://127.0.0.1:{port}/{name}/index.html");
        let (out, _, _) = expected(name);
        // A page still "running" when the DOM was dumped ran out of the
        // virtual time budget on a loaded machine: load it once more.
        let mut result = browse(&url);
        if result.1.as_deref() == Some("running") {
            result = browse(&url);
        }
        match result {
            (Some(got), Some(code)) if code == "exit 0" && got.as_bytes() == out.as_slice() => {}
            (got, code) => failures.push(format!("{name}: code {code:?}, stdout {got:?}")),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{} of {} failed in Chromium:\n{}", failures.len(), names.len(), failures.join("\n"));
}
