"""A real Linux desktop session for tests, as a ward PC's login has one.

Xvfb (an X server at 1366×768, the ward screen), a session D-Bus, the AT-SPI accessibility bus
and an unlocked Secret Service (gnome-keyring). Apps are started in it as child processes with
the session's environment; they are driven with xdotool, photographed with ImageMagick's
`import`, and heard through a real AT-SPI client (Debian's pyatspi, out of process: see
tests/helpers/atspi_client.py).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ATSPI_CLIENT = Path(__file__).with_name("atspi_client.py")
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, where python3-pyatspi lives
SCREEN = (1366, 768)
# How long the session's parts may take to come up. Generous: a loaded two-core CI machine has
# been seen to need more than 10 s for the window manager; a healthy one needs well under 1 s.
START_TIMEOUT = 60.0
TASKBAR = 40  # the window manager keeps this strip at the bottom free, as a taskbar does
TOOLS = {"Xvfb": "xvfb", "dbus-daemon": "dbus", "xdotool": "xdotool", "import": "imagemagick",
         "gnome-keyring-daemon": "gnome-keyring", "openbox": "openbox"}
# A window manager as on any desktop: it focuses new windows, draws title bars, and tells
# apps the work area (the screen less the taskbar) through _NET_WORKAREA.
OPENBOX_RC = f"""<?xml version="1.0"?>
<openbox_config xmlns="http://openbox.org/3.4/rc">
  <focus><focusNew>yes</focusNew><followMouse>no</followMouse></focus>
  <placement><policy>Smart</policy></placement>
  <margins><top>0</top><bottom>{TASKBAR}</bottom><left>0</left><right>0</right></margins>
  <desktops><number>1</number></desktops>
  <keyboard><keybind key="A-F4"><action name="Close"/></keybind></keyboard>
</openbox_config>
"""
LOGIN_PASSWORD = "ward pc session"  # the login keyring's password, as PAM gives it at login
LOGIN_COLLECTION = "/org/freedesktop/secrets/collection/login"
# Unlocking without a prompt, as PAM does at login: gnome-keyring's own interface for it.
_UNLOCK = f"""
import secretstorage
from secretstorage.util import DBusAddressWrapper, format_secret, open_session
bus = secretstorage.dbus_init()
service = DBusAddressWrapper("/org/freedesktop/secrets",
                             "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface", bus)
secret = format_secret(open_session(bus), {LOGIN_PASSWORD!r}.encode(), "text/plain")
service.call("UnlockWithMasterPassword", "o(oayays)", {LOGIN_COLLECTION!r}, secret)
"""
AT_SPI_LAUNCHER = Path("/usr/libexec/at-spi-bus-launcher")


def missing_parts() -> list[str]:
    """Debian packages this machine lacks for a desktop session (empty when all are here)."""
    missing = [pkg for tool, pkg in TOOLS.items() if shutil.which(tool) is None]
    if not AT_SPI_LAUNCHER.exists():
        missing.append("at-spi2-core")
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import pyatspi"], capture_output=True)
    if probe.returncode != 0:
        missing.append("python3-pyatspi")
    return missing


def _read_line(proc: subprocess.Popen[bytes], what: str, timeout: float = START_TIMEOUT) -> str:
    assert proc.stdout is not None
    os.set_blocking(proc.stdout.fileno(), False)
    end, buf = time.monotonic() + timeout, b""
    while b"\n" not in buf:
        if time.monotonic() > end or proc.poll() is not None:
            raise RuntimeError(f"{what} did not start")
        chunk = proc.stdout.read()
        if chunk:
            buf += chunk
        else:
            time.sleep(0.01)
    return buf.split(b"\n", 1)[0].decode().strip()


@dataclass
class App:
    """One app started in the session: its process and what it wrote to stderr."""

    proc: subprocess.Popen[bytes]
    stderr_path: Path
    window: str = ""

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> int:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode


@dataclass
class DesktopSession:
    home: Path
    window_manager: bool = True  # False: a kiosk-style X session with no window manager
    env: dict[str, str] = field(default_factory=dict)
    _procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _wm: subprocess.Popen[bytes] | None = None

    # -- the session -----------------------------------------------------------------------

    def start(self) -> None:
        runtime = self.home / "runtime"
        runtime.mkdir(mode=0o700, parents=True)
        base = {k: v for k, v in os.environ.items()
                if not k.startswith(("PEERDESK_", "QT_", "DBUS_", "XDG_", "DISPLAY", "WAYLAND"))}
        self.env = base | {"HOME": str(self.home), "XDG_RUNTIME_DIR": str(runtime),
                           "XDG_CONFIG_HOME": str(self.home / ".config"),
                           "XDG_DATA_HOME": str(self.home / ".local/share"),
                           "LANG": "C.UTF-8", "NO_AT_BRIDGE": "0"}
        xvfb = self._spawn(["Xvfb", "-displayfd", "1", "-screen", "0",
                            f"{SCREEN[0]}x{SCREEN[1]}x24", "-nolisten", "tcp",
                            "-noreset"])  # a last client leaving must not reset the server
        self.env["DISPLAY"] = f":{_read_line(xvfb, 'Xvfb')}"
        bus = self._spawn(["dbus-daemon", "--session", "--nofork", "--print-address=1"])
        self.env["DBUS_SESSION_BUS_ADDRESS"] = _read_line(bus, "the session bus")
        if self.window_manager:
            rc = self.home / "openbox-rc.xml"
            rc.write_text(OPENBOX_RC, encoding="utf-8")
            self._wm = self._spawn(["openbox", "--config-file", str(rc)], stdout=False)
        self._spawn([str(AT_SPI_LAUNCHER), "--launch-immediately"], stdout=False)
        keyring = self._spawn(["gnome-keyring-daemon", "--foreground", "--unlock",
                               "--components=secrets"], stdin=True, stdout=False)
        assert keyring.stdin is not None
        keyring.stdin.write(LOGIN_PASSWORD.encode())
        keyring.stdin.close()
        self.env |= {"QT_QPA_PLATFORM": "xcb", "QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1",
                     "QT_ACCESSIBILITY": "1"}
        self._wait_for_bus_name("org.a11y.Bus")
        if self.window_manager:
            self._wait_for_work_area()
        else:
            self._wait_for_display(xvfb)
        self._wait_for_bus_name("org.freedesktop.secrets")

    def stop(self) -> None:
        for proc in reversed(self._procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in self._procs:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
            for pipe in (proc.stdin, proc.stdout):
                if pipe is not None:
                    pipe.close()
        self._procs.clear()

    def _spawn(self, argv: list[str], *, stdin: bool = False,
               stdout: bool = True) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(argv, env=self.env, stdin=subprocess.PIPE if stdin else None,
                                stdout=subprocess.PIPE if stdout else subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        self._procs.append(proc)
        return proc

    def _wait_for_bus_name(self, name: str, timeout: float = START_TIMEOUT) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            out = subprocess.run(
                ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
                 "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", f"string:{name}"],
                env=self.env, capture_output=True, text=True).stdout
            if "boolean true" in out:
                return
            time.sleep(0.02)
        raise RuntimeError(f"{name} never appeared on the session bus")

    def _wait_for_display(self, xvfb: subprocess.Popen[bytes],
                          timeout: float = START_TIMEOUT) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if subprocess.run(["xprop", "-root", "_NET_SUPPORTED"], env=self.env,
                              capture_output=True).returncode == 0:
                return
            if xvfb.poll() is not None:
                raise RuntimeError(f"the X server exited with {xvfb.returncode}")
            time.sleep(0.02)
        raise RuntimeError("the X server did not answer")

    def _wait_for_work_area(self, timeout: float = START_TIMEOUT) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            out = subprocess.run(["xprop", "-root", "_NET_WORKAREA"], env=self.env,
                                 capture_output=True, text=True).stdout
            if "=" in out:
                return
            if self._wm is not None and self._wm.poll() is not None:
                raise RuntimeError(f"the window manager exited with {self._wm.returncode}")
            time.sleep(0.02)
        raise RuntimeError("the window manager did not start")

    # -- the keyring -----------------------------------------------------------------------

    def lock_keyring(self) -> None:
        """Lock the login keyring, as the user does (or as a login that did not unlock it)."""
        subprocess.run(["dbus-send", "--session", "--print-reply",
                        "--dest=org.freedesktop.secrets", "/org/freedesktop/secrets",
                        "org.freedesktop.Secret.Service.Lock",
                        f"array:objpath:{LOGIN_COLLECTION}"],
                       env=self.env, check=True, capture_output=True, timeout=30)

    def unlock_keyring(self) -> None:
        subprocess.run([sys.executable, "-c", _UNLOCK], env=self.env, check=True,
                       capture_output=True, timeout=30)

    # -- apps ------------------------------------------------------------------------------

    def launch(self, argv: Sequence[str], *, env: dict[str, str] | None = None,
               cwd: Path | None = None) -> App:
        err = Path(tempfile.mkstemp(prefix="app-stderr-", dir=self.home)[1])
        with err.open("wb") as sink:
            proc = subprocess.Popen(list(argv), env=self.env | (env or {}), cwd=cwd or ROOT,
                                    stdout=subprocess.DEVNULL, stderr=sink)
        return App(proc, err)

    def wait_window(self, app: App, timeout: float = 30.0) -> str:
        """Wait until the app maps a window (polling every 10 ms, as a user would see it)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if not app.alive():
                raise AssertionError(f"the app exited with {app.proc.returncode}:\n{app.stderr()}")
            found = self.xdotool("search", "--onlyvisible", "--pid", str(app.proc.pid),
                                 "--name", ".", check=False)
            if found:
                app.window = found.split()[0]
                return app.window
            time.sleep(0.01)
        raise AssertionError(f"no window within {timeout} s:\n{app.stderr()}")

    # -- hands and eyes --------------------------------------------------------------------

    def xdotool(self, *args: str, check: bool = True) -> str:
        proc = subprocess.run(["xdotool", *args], env=self.env, capture_output=True, text=True,
                              timeout=30)
        if check and proc.returncode != 0:
            raise RuntimeError(f"xdotool {' '.join(args)}: {proc.stderr.strip()}")
        return proc.stdout.strip()

    def type(self, text: str) -> None:
        self.xdotool("type", "--delay", "5", "--", text)

    def key(self, *keys: str) -> None:
        self.xdotool("key", "--delay", "20", *keys)

    def window_geometry(self, window: str) -> tuple[int, int, int, int]:
        out = self.xdotool("getwindowgeometry", "--shell", window)
        values = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        return (int(values["X"]), int(values["Y"]), int(values["WIDTH"]), int(values["HEIGHT"]))

    def frame_geometry(self, window: str) -> tuple[int, int, int, int]:
        """The window with the title bar and borders the window manager put round it."""
        info = subprocess.run(["xwininfo", "-id", window], env=self.env, capture_output=True,
                              text=True, check=True).stdout
        values = dict(line.strip().split(":", 1) for line in info.splitlines() if ":" in line)
        x, y = int(values["Absolute upper-left X"]), int(values["Absolute upper-left Y"])
        w, h = int(values["Width"]), int(values["Height"])
        extents = subprocess.run(["xprop", "-id", window, "_NET_FRAME_EXTENTS"], env=self.env,
                                 capture_output=True, text=True).stdout
        left, right, top, bottom = ([int(v) for v in extents.split("=", 1)[1].split(",")]
                                    if "=" in extents else [0, 0, 0, 0])
        return x - left, y - top, w + left + right, h + top + bottom

    def work_area(self) -> tuple[int, int, int, int]:
        """The screen less the taskbar, as the window manager tells applications."""
        out = subprocess.run(["xprop", "-root", "_NET_WORKAREA"], env=self.env,
                             capture_output=True, text=True, check=True).stdout
        x, y, w, h = (int(v) for v in out.split("=", 1)[1].split(",")[:4])
        return x, y, w, h

    def screenshot(self, path: Path) -> Path:
        subprocess.run(["import", "-window", "root", str(path)], env=self.env, check=True,
                       timeout=30)
        return path

    # -- ears (AT-SPI) ---------------------------------------------------------------------

    def atspi(self, *args: str, timeout: float = 60.0) -> Any:
        proc = subprocess.run([SYSTEM_PYTHON, str(ATSPI_CLIENT), *args], env=self._atspi_env(),
                              capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            raise RuntimeError(f"atspi {' '.join(args)} failed:\n{proc.stderr}")
        return json.loads(proc.stdout)

    def tree(self, app_pid: int) -> list[dict[str, Any]]:
        """Every object the app shows to a screen reader (showing ones only)."""
        result: list[dict[str, Any]] = self.atspi("tree", "--pid", str(app_pid))
        return result

    def wait_for(self, app_pid: int, *, name: str = "", contains: str = "",
                 role: str | None = None, timeout: float = 20.0) -> dict[str, Any]:
        """Wait until an object with this name, or a name containing this text (and of this
        role), is showing to a screen reader."""
        args = ["find", "--pid", str(app_pid), "--timeout", str(timeout)]
        args += ["--name", name] if name else ["--contains", contains]
        if role:
            args += ["--role", role]
        found: dict[str, Any] = self.atspi(*args, timeout=timeout + 30)
        return found

    def grab_focus(self, app_pid: int, name: str, *, role: str | None = None) -> None:
        """Put keyboard focus on a control, as an assistive technology can (for getting a
        test to the place it checks; keyboard journeys use `key` and `tab_to`)."""
        self.atspi("grab", "--pid", str(app_pid), "--name", name,
                   *(["--role", role] if role else []))

    def focused(self, app_pid: int) -> dict[str, Any]:
        """What a screen reader says has keyboard focus."""
        found: dict[str, Any] = self.atspi("focused", "--pid", str(app_pid))
        return found

    @contextmanager
    def asking(self, app_pid: int) -> Iterator[Callable[[], dict[str, Any]]]:
        """`focused`, asked of one AT-SPI client kept running while the block runs (a walk of
        many keys then starts no process per key); each answer is read afresh."""
        proc = subprocess.Popen([SYSTEM_PYTHON, str(ATSPI_CLIENT), "serve", "--pid",
                                 str(app_pid)], env=self._atspi_env(), stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert proc.stdin is not None and proc.stdout is not None
        stdin, stdout = proc.stdin, proc.stdout

        def focused() -> dict[str, Any]:
            stdin.write("focused\n")
            stdin.flush()
            line = stdout.readline()
            if not line:
                raise RuntimeError(f"the AT-SPI client ended with {proc.wait(5)}")
            answer: dict[str, Any] = json.loads(line)
            return answer

        try:
            yield focused
        finally:
            stdin.close()
            proc.wait(timeout=20)
            stdout.close()

    def tab_to(self, app_pid: int, name: str, *, limit: int = 30) -> None:
        """Press Tab, as a keyboard user does, until the control called `name` has focus."""
        with self.asking(app_pid) as focused:
            for _ in range(limit):
                if focused().get("name") == name:
                    return
                self.key("Tab")
        raise AssertionError(f"{limit} presses of Tab never reached {name!r}")

    def tab_walk(self, app_pid: int, *, presses: int,
                 back: bool = False) -> list[dict[str, Any]]:
        """Press Tab (or Shift+Tab) `presses` times; where focus was after each press (given a
        moment to move: a press that leaves it where it was is recorded too)."""
        with self.asking(app_pid) as focused:
            stops, here = [], focused()
            for _ in range(presses):
                self.key("shift+Tab" if back else "Tab")
                deadline = time.monotonic() + 1.0
                moved = focused()
                while moved.get("path") == here.get("path") and time.monotonic() < deadline:
                    moved = focused()
                stops.append(moved)
                here = moved
        return stops

    @contextmanager
    def listening(self, app_pid: int) -> Iterator[list[dict[str, Any]]]:
        """Collect what the app announces and where focus goes while the block runs; the
        list fills as events arrive, so the block can wait for one."""
        events: list[dict[str, Any]] = []
        with tempfile.TemporaryFile(mode="w+") as err:
            proc = subprocess.Popen([SYSTEM_PYTHON, str(ATSPI_CLIENT), "listen", "--pid",
                                     str(app_pid)], env=self._atspi_env(),
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                                    text=True)
            assert proc.stdin is not None and proc.stdout is not None
            stdin, stdout = proc.stdin, proc.stdout
            if stdout.readline().strip() != "ready":  # said once it is registered
                proc.kill()
                proc.wait(5)
                stdin.close()
                stdout.close()
                err.seek(0)
                raise RuntimeError(f"the AT-SPI listener did not start: {err.read()}")

            def read() -> None:
                for line in stdout:
                    if line.strip():
                        events.append(json.loads(line))

            reader = threading.Thread(target=read, daemon=True)
            reader.start()
            try:
                yield events
                time.sleep(0.5)  # events already sent are still on their way over the bus
            finally:
                stdin.close()  # closing stdin ends the listener
                proc.wait(timeout=20)
                reader.join(timeout=20)
                stdout.close()

    def _atspi_env(self) -> dict[str, str]:
        # The system interpreter must not see the venv's packages.
        return {k: v for k, v in self.env.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}


@contextmanager
def desktop_session(*, window_manager: bool = True) -> Iterator[DesktopSession]:
    home = Path(tempfile.mkdtemp(prefix="peerdesk-desktop-"))
    session = DesktopSession(home, window_manager=window_manager)
    try:
        session.start()
        yield session
    finally:
        session.stop()
        shutil.rmtree(home, ignore_errors=True)
