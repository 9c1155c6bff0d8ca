"""A screen reader's view of a running app, over AT-SPI (run with Debian's /usr/bin/python3).

    atspi_client.py tree --pid PID            every showing object as JSON
    atspi_client.py find --pid PID (--name N | --contains TEXT) [--role R] [--timeout S]
    atspi_client.py grab --pid PID --name N [--role R]   give that object keyboard focus
    atspi_client.py focused --pid PID         the object that has keyboard focus, with "clip":
                                              the part of the screen its containers show
    atspi_client.py serve --pid PID           one "focused" answer (a JSON line) for each line
                                              read, until stdin closes: a keyboard walk asks
                                              after every key without starting a process
    atspi_client.py listen --pid PID          "ready", then JSON lines of announcements, focus,
                                              name and text changes as they come, until stdin
                                              closes

This file runs outside the project's virtual environment and imports nothing from it.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time

import pyatspi  # type: ignore[import-not-found]

TEXT_ROLES = {"label", "static", "heading", "status bar", "text", "paragraph", "entry",
              "password text", "notification", "alert"}


def find_app(pid: int, timeout: float = 20.0):  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        desk = pyatspi.Registry.getDesktop(0)
        for i in range(desk.childCount):
            app = desk.getChildAtIndex(i)
            try:
                if app is not None and app.get_process_id() == pid:
                    return app
            except Exception:  # an app going away mid-walk
                continue
        time.sleep(0.05)
    raise SystemExit(f"no accessible application with pid {pid}")


def states_of(obj) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(pyatspi.stateToString(s) for s in obj.getState().getStates())


def describe(obj, path: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    info = {"path": path, "role": obj.getRoleName(), "name": obj.name or "",
            "description": obj.description or "", "states": states_of(obj),
            "children": obj.childCount}
    try:
        text = obj.queryText()
        info["text"] = text.getText(0, -1)
    except NotImplementedError:
        pass
    try:
        info["attributes"] = dict(a.split(":", 1) for a in obj.getAttributes() if ":" in a)
    except Exception:
        info["attributes"] = {}
    try:
        action = obj.queryAction()
        info["actions"] = [action.getName(i) for i in range(action.nActions)]
    except NotImplementedError:
        info["actions"] = []
    try:
        ext = obj.queryComponent().getExtents(pyatspi.DESKTOP_COORDS)
        info["extents"] = [ext.x, ext.y, ext.width, ext.height]
    except NotImplementedError:
        pass
    relations = {}
    for rel in obj.getRelationSet():
        targets = [rel.getTarget(i) for i in range(rel.getNTargets())]
        relations[pyatspi.relationToString(rel.getRelationType())] = [
            t.name or t.getRoleName() for t in targets if t is not None]
    info["relations"] = relations
    return info


def walk(obj, path: str = "0", showing_only: bool = True):  # type: ignore[no-untyped-def]
    yield obj, path
    for k in range(obj.childCount):
        child = obj.getChildAtIndex(k)
        if child is None:
            continue
        if showing_only and not child.getState().contains(pyatspi.STATE_SHOWING):
            continue
        yield from walk(child, f"{path}.{k}", showing_only)


def tree(pid: int) -> list[dict]:  # type: ignore[type-arg]
    app = find_app(pid)
    return [describe(o, p) for o, p in walk(app)]


def find(pid: int, name: str, contains: str, role: str | None,
         timeout: float) -> dict:  # type: ignore[type-arg]
    def matches(obj) -> bool:  # type: ignore[no-untyped-def]
        heard = obj.name or ""
        if role is not None and obj.getRoleName() != role:
            return False
        return heard == name if name else contains in heard

    end = time.monotonic() + timeout
    while True:
        app = find_app(pid, timeout)
        for obj, path in walk(app):
            if matches(obj):
                return describe(obj, path)
        if time.monotonic() > end:
            what = repr(name) if name else f"containing {contains!r}"
            raise SystemExit(f"nothing named {what} ({role or 'any role'}) is showing")
        time.sleep(0.1)


def grab(pid: int, name: str, role: str | None, timeout: float) -> dict:  # type: ignore[type-arg]
    """Focus an object the way an assistive technology can (Component.GrabFocus)."""
    found = find(pid, name, "", role, timeout)
    app = find_app(pid)
    obj = app
    for index in found["path"].split(".")[1:]:
        obj = obj.getChildAtIndex(int(index))
    if not obj.queryComponent().grabFocus():
        raise SystemExit(f"{name!r} did not take focus")
    return found


ITEM_ROLES = {"list item", "table cell", "tree item", "page tab"}


def focused(pid: int) -> dict:  # type: ignore[type-arg]
    """The object with keyboard focus, as focus events name it. Qt also marks a view's current
    item focused while the view is not, and a text box's unnamed viewport along with the box:
    neither is what a screen reader announces."""
    found = {}
    for obj, path in walk(find_app(pid)):
        if not obj.getState().contains(pyatspi.STATE_FOCUSED):
            continue
        parent = obj.parent
        parent_focused = parent is not None and parent.getState().contains(pyatspi.STATE_FOCUSED)
        if obj.getRoleName() in ITEM_ROLES and not parent_focused:
            continue
        if obj.getRoleName() == "filler" and not obj.name and parent_focused:
            continue
        found = describe(obj, path)
        found["clip"] = clip(obj)
    return found


def clip(obj) -> list[int]:  # type: ignore[no-untyped-def]
    """What the object's containers leave of the screen: the intersection of their extents
    (a control scrolled out of its area lies outside it)."""
    left, top, right, bottom = -10**6, -10**6, 10**6, 10**6
    parent = obj.parent
    while parent is not None and parent.getRoleName() != "application":
        try:
            ext = parent.queryComponent().getExtents(pyatspi.DESKTOP_COORDS)
        except NotImplementedError:
            parent = parent.parent
            continue
        if ext.width > 0 and ext.height > 0:
            left, top = max(left, ext.x), max(top, ext.y)
            right, bottom = min(right, ext.x + ext.width), min(bottom, ext.y + ext.height)
        parent = parent.parent
    return [left, top, max(0, right - left), max(0, bottom - top)]


def serve(pid: int) -> None:
    """Each answer starts from nothing known, as a new process would: what the last one
    learnt of the app (names, states, children) is dropped first."""
    for _ in sys.stdin:
        pyatspi.Registry.getDesktop(0).clear_cache()
        print(json.dumps(focused(pid)), flush=True)


def listen(pid: int) -> None:
    find_app(pid)
    lock = threading.Lock()
    early: list[str] | None = []  # events heard before "ready" is said, which comes first

    def on_event(event) -> None:  # type: ignore[no-untyped-def]
        try:
            source = event.source
            if source is None or source.get_process_id() != pid:
                return
            record = {"type": event.type, "role": source.getRoleName(),
                      "name": source.name or "", "detail1": event.detail1,
                      "data": event.any_data if isinstance(event.any_data, str | int) else ""}
        except Exception:
            return
        with lock:  # each event as it comes, so a test can wait for one
            if early is not None:
                early.append(json.dumps(record))
            else:
                print(json.dumps(record), flush=True)

    kinds = ["object:announcement", "focus:", "object:state-changed:focused",
             "object:property-change:accessible-name",
             "object:property-change:accessible-description", "object:text-changed:insert",
             "object:text-changed:delete", "window:activate"]
    pyatspi.Registry.registerEventListener(on_event, *kinds)
    loop = threading.Thread(target=pyatspi.Registry.start, daemon=True)
    loop.start()
    time.sleep(0.3)
    with lock:
        print("\n".join(["ready", *(early or [])]), flush=True)
        early = None
    sys.stdin.read()  # until the test closes our stdin
    time.sleep(0.2)
    pyatspi.Registry.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["tree", "find", "grab", "focused", "serve", "listen"])
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--name", default="")
    parser.add_argument("--contains", default="")
    parser.add_argument("--role", default=None)
    parser.add_argument("--timeout", type=float, default=20.0)
    args = parser.parse_args()
    if args.command == "tree":
        print(json.dumps(tree(args.pid)))
    elif args.command == "find":
        print(json.dumps(find(args.pid, args.name, args.contains, args.role, args.timeout)))
    elif args.command == "grab":
        print(json.dumps(grab(args.pid, args.name, args.role, args.timeout)))
    elif args.command == "focused":
        print(json.dumps(focused(args.pid)))
    elif args.command == "serve":
        serve(args.pid)
    else:
        listen(args.pid)


if __name__ == "__main__":
    main()
