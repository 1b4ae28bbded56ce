"""reloader inside Blender, through the real `bpy` module (Blender as a Python module).

bpy only installs on one Python version per release (5.0.x: CPython 3.11), so
the test runs a script in that Python: $RELOADER_BPY_PYTHON, else the
interpreter of .venv-hosts/bpy (made by tests/real_hosts.py) or .venv-bpy. Its
user folders are throwaway (HOME and BLENDER_USER_SCRIPTS). Without bpy the
tests skip, unless RELOADER_REAL_HOSTS=1: then they fail.
"""

import json
import os
import subprocess
import unittest
from typing import Any, Dict, Optional

from ._real import ROOT, VENVS, HostCase, copy_host, unavailable

DEMO_INIT = """
bl_info = {"name": "Demo", "blender": (4, 2, 0), "category": "Development"}

import bpy
from . import ops

addon_keymaps = []


def register():
    bpy.utils.register_class(ops.DEMO_OT_hello)
    bpy.app.handlers.load_post.append(ops.on_load)
    bpy.app.timers.register(ops.tick, first_interval=60, persistent=True)
    keyconfig = bpy.context.window_manager.keyconfigs.addon
    keymap = keyconfig.keymaps.new(name="Window", space_type="EMPTY")
    item = keymap.keymap_items.new(ops.DEMO_OT_hello.bl_idname, "H", "PRESS", ctrl=True, alt=True)
    addon_keymaps.append((keymap, item))


def unregister():
    # Forgets the load_post handler and the timer: reloader removes those.
    for keymap, item in addon_keymaps:
        keymap.keymap_items.remove(item)
    addon_keymaps.clear()
    bpy.utils.unregister_class(ops.DEMO_OT_hello)
"""

DEMO_OPS = """
import bpy

VERSION = "v1"


class DEMO_OT_hello(bpy.types.Operator):
    bl_idname = "demo.hello"
    bl_label = "Hello"

    def execute(self, context):
        bpy.app.driver_namespace["demo_said"] = VERSION
        return {"FINISHED"}


def on_load(*args):
    pass


def tick():
    return 60.0
"""

SCRIPT = r"""
import json, os, sys
import bpy
import addon_utils

HERE = {here!r}
DEMO, DEMO_DIR, RELOADER = {demo!r}, {demo_dir!r}, {reloader_module!r}
results = {{"background": bpy.app.background, "version": bpy.app.version_string}}


def edit(relative, old, new):
    path = os.path.join(DEMO_DIR, relative)
    with open(path) as handle:
        text = handle.read()
    with open(path, "w") as handle:
        handle.write(text.replace(old, new))
    stamp = int(os.stat(path).st_mtime) + 1000 + len(results) * 2
    os.utime(path, (stamp, stamp))


def subclasses(root):
    found, stack = [], [root]
    while stack:
        for cls in stack.pop().__subclasses__():
            if cls not in found:
                found.append(cls)
                stack.append(cls)
    return found


def hello():
    bpy.ops.demo.hello()
    return bpy.app.driver_namespace.get("demo_said")


def state():
    ops = sys.modules[DEMO + ".ops"]
    registered = [c for c in subclasses(bpy.types.Operator)
                  if c.__name__ == "DEMO_OT_hello" and c.is_registered]
    handlers = [f for f in bpy.app.handlers.load_post if f.__name__ == "on_load"]
    keymaps = bpy.context.window_manager.keyconfigs.addon.keymaps
    items = [i for km in keymaps for i in km.keymap_items if i.idname == "demo.hello"]
    return {{
        "said": hello(),
        "classes": len(registered),
        "class_is_current": registered == [ops.DEMO_OT_hello],
        "handlers": len(handlers),
        "handler_is_current": handlers == [ops.on_load],
        "timer_is_current": bpy.app.timers.is_registered(ops.tick),
        "keymap_items": len(items),
        "enabled": addon_utils.check(DEMO),
    }}


def run_operator(**arguments):
    try:
        return sorted(bpy.ops.reloader.reload_addon(**arguments))
    except RuntimeError as error:
        return str(error)


for kind, name in (("reloader", RELOADER), ("demo", DEMO)):
    results["enable " + kind] = addon_utils.enable(name, default_set=True) is not None
reloader_addon = sys.modules[RELOADER]
addon_reload = sys.modules[RELOADER + ".addon_reload"]
menu = bpy.types.TOPBAR_MT_blender_system
results["menu"] = reloader_addon.draw_menu in menu._dyn_ui_initialize()
results["first"] = state()

edit("ops.py", '"v1"', '"v2"')
results["operator"] = run_operator(module=DEMO)
results["reloaded"] = state()

edit("ops.py", "def on_load", "undefined_name\ndef on_load")
results["failed_operator"] = run_operator(module=DEMO)
results["restored"] = state()
edit("ops.py", "undefined_name\n", "")

results["not_enabled"] = str(addon_reload.reload_addon("no_such_addon"))

if {watch}:
    edit("ops.py", '"v2"', '"v3"')
    addon_reload.reload_addon(DEMO)
    results["watch"] = addon_reload.watch(DEMO)
    results["watching"] = [addon_reload.watching()[0], addon_reload.watching()[1]]
    results["first_check"] = addon_reload.check()
    edit("ops.py", '"v3"', '"v4"')
    outcome = addon_reload.check()
    results["check"] = str(outcome) if outcome else None
    results["watched"] = state()
    results["unwatch"] = addon_reload.watch(DEMO)

addon_utils.disable(DEMO, default_set=True)
results["disabled"] = {{
    "keymap_items": len([i for km in bpy.context.window_manager.keyconfigs.addon.keymaps
                         for i in km.keymap_items if i.idname == "demo.hello"]),
    "has_operator": hasattr(bpy.types, "DEMO_OT_hello"),
}}
with open(os.path.join(HERE, "results.json"), "w") as handle:
    json.dump(results, handle)
"""

_python: Dict[str, Optional[str]] = {}


def bpy_python() -> str:
    """The Python that imports bpy, or skip (fail under RELOADER_REAL_HOSTS=1) saying why."""
    if "found" not in _python:
        candidates = [os.environ.get("RELOADER_BPY_PYTHON", ""),
                      os.path.join(VENVS, "bpy", "bin", "python"),
                      os.path.join(ROOT, ".venv-bpy", "bin", "python")]
        _python["found"] = None
        for python in candidates:
            if python and os.path.exists(python):
                done = subprocess.run([python, "-c", "import bpy"], stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True)
                if done.returncode == 0:
                    _python["found"] = python
                    break
                _python["error"] = "{} cannot import bpy: {}".format(python, done.stdout[-500:])
    python = _python["found"]
    if python is None:
        unavailable(_python.get("error") or (
            "no Python with bpy: run tests/real_hosts.py (it makes .venv-hosts/bpy with "
            "bpy==5.0.1 on CPython 3.11) or set RELOADER_BPY_PYTHON"))
        raise AssertionError("unreachable")
    return python


MANIFEST = """
schema_version = "1.0.0"
id = "demo_ext"
version = "1.0.0"
name = "Demo"
tagline = "A throwaway extension"
maintainer = "tests"
type = "add-on"
blender_version_min = "4.2.0"
license = ["SPDX:MIT"]
"""


class BlenderTest(HostCase):
    """The add-on as a legacy add-on in scripts/addons, reloading a legacy add-on."""

    reloader_module = "reloader_addon"
    demo = "demo_addon"

    def setUp(self) -> None:
        super().setUp()
        self.python = bpy_python()
        os.makedirs(os.path.join(self.tmp, "home"))
        self.reloader_dir = self.folder_of(self.reloader_module)
        self.demo_dir = self.folder_of(self.demo)
        copy_host("blender", self.reloader_dir)
        for name, text in (("__init__.py", DEMO_INIT), ("ops.py", DEMO_OPS)):
            self.write(os.path.relpath(os.path.join(self.demo_dir, name), self.tmp), text)

    def folder_of(self, module: str) -> str:
        return os.path.join(self.tmp, "scripts", "addons", module)

    def blender(self, watch: bool) -> Dict[str, Any]:
        script = self.write("script.py", SCRIPT.format(
            here=self.tmp, watch=watch, demo=self.demo, demo_dir=self.demo_dir,
            reloader_module=self.reloader_module))
        done = self.run_program([self.python, script], env={
            "HOME": os.path.join(self.tmp, "home"),
            "BLENDER_USER_SCRIPTS": os.path.join(self.tmp, "scripts"),
            "BLENDER_USER_EXTENSIONS": os.path.join(self.tmp, "extensions"),
        })
        results = os.path.join(self.tmp, "results.json")
        self.assertTrue(os.path.exists(results), done.stdout[-4000:])
        with open(results) as handle:
            loaded: Dict[str, Any] = json.load(handle)
        return loaded

    def assert_once(self, state: Dict[str, Any], said: str) -> None:
        self.assertEqual(state, {
            "said": said, "classes": 1, "class_is_current": True, "handlers": 1,
            "handler_is_current": True, "timer_is_current": True, "keymap_items": 1,
            "enabled": [True, True],
        })

    def test_reload_addon_runs_new_code_registered_once(self) -> None:
        results = self.blender(watch=False)
        self.assertTrue(results["background"])
        self.assertTrue(results["enable reloader"])
        self.assertTrue(results["enable demo"])
        self.assertTrue(results["menu"])
        self.assert_once(results["first"], "v1")

        self.assertEqual(results["operator"], ["FINISHED"], results["operator"])
        # One timer, and it is the function the new module holds (live update
        # keeps an unchanged function as one object, so that may be the old one).
        self.assert_once(results["reloaded"], "v2")

        self.assertEqual(
            results["failed_operator"],
            "Error: reloading '{}.ops' failed at {}:16: NameError: name 'undefined_name' is "
            "not defined; restored 2 modules to their previous state\n".format(
                self.demo, os.path.join(self.demo_dir, "ops.py")),
        )
        self.assert_once(results["restored"], "v2")
        self.assertEqual(
            results["not_enabled"],
            "add-on 'no_such_addon' is not enabled; enable it in Preferences > Add-ons, or "
            "give its module name, such as 'bl_ext.user_default.my_addon'",
        )
        self.assertEqual(results["disabled"], {"keymap_items": 0, "has_operator": False})

    def test_reload_on_save_uses_the_direct_path_in_background_mode(self) -> None:
        results = self.blender(watch=True)
        self.assertEqual(results["watch"], "reloading {!r} when a file under {} is saved"
                         .format(self.demo, self.demo_dir))
        self.assertEqual(results["watching"], [self.demo, None])  # no timer: no event loop
        self.assertIsNone(results["first_check"])
        # Only ops.py changed, and the add-on's package uses it at call time
        # only: ops runs again, the package stays and registers the new classes.
        self.assertRegex(results["check"], r"^reloaded 1 module in \d+ ms$")
        self.assert_once(results["watched"], "v4")
        self.assertEqual(results["unwatch"], "reload on save is off")


class ExtensionTest(BlenderTest):
    """The same folder installed as an extension, reloading an extension."""

    reloader_module = "bl_ext.user_default.reloader_addon"
    demo = "bl_ext.user_default.demo_ext"

    def setUp(self) -> None:
        super().setUp()
        self.write(os.path.relpath(os.path.join(self.demo_dir, "blender_manifest.toml"),
                                   self.tmp), MANIFEST)

    def folder_of(self, module: str) -> str:
        return os.path.join(self.tmp, "extensions", "user_default", module.rpartition(".")[2])


# An add-on in Blender's usual layout: settings in a PropertyGroup on the scene, add-on
# preferences, an operator, all registered from one tuple.
PROPS_INIT = """
bl_info = {"name": "Props", "blender": (4, 2, 0), "category": "Development"}

import bpy
from . import props

classes = (props.PROPS_PG_settings, props.PROPS_AP_preferences, props.PROPS_OT_bump)
register_classes, unregister_classes = bpy.utils.register_classes_factory(classes)


def register():
    register_classes()
    bpy.types.Scene.props_demo = bpy.props.PointerProperty(type=props.PROPS_PG_settings)


def unregister():
    del bpy.types.Scene.props_demo
    unregister_classes()
"""

PROPS_MODULE = """
import bpy

STEP = 1


class PROPS_PG_settings(bpy.types.PropertyGroup):
    count: bpy.props.IntProperty(default=1)
    label: bpy.props.StringProperty(default="start")


class PROPS_AP_preferences(bpy.types.AddonPreferences):
    bl_idname = __package__

    verbose: bpy.props.BoolProperty(default=False)


class PROPS_OT_bump(bpy.types.Operator):
    bl_idname = "props.bump"
    bl_label = "Bump"

    def execute(self, context):
        context.scene.props_demo.count += STEP
        return {"FINISHED"}
"""

PROPS_SCRIPT = r"""
import json, os, sys
import bpy
import addon_utils

HERE, ADDON, ADDON_DIR, RELOADER = {here!r}, {addon!r}, {addon_dir!r}, {reloader_module!r}
results = {{}}


def edit(relative, old, new):
    path = os.path.join(ADDON_DIR, relative)
    with open(path) as handle:
        text = handle.read()
    with open(path, "w") as handle:
        handle.write(text.replace(old, new))
    stamp = int(os.stat(path).st_mtime) + 1000 + len(results) * 2
    os.utime(path, (stamp, stamp))


def state():
    settings = bpy.context.scene.props_demo
    bpy.ops.props.bump()
    preferences = bpy.context.preferences.addons[ADDON].preferences
    return {{
        "count": settings.count, "label": settings.label,
        "extra": getattr(settings, "extra", None),
        "verbose": preferences.verbose,
        "settings_is_current": type(settings) is sys.modules[ADDON + ".props"].PROPS_PG_settings,
        "enabled": addon_utils.check(ADDON),
    }}


for name in (RELOADER, ADDON):
    addon_utils.enable(name, default_set=True)
addon_reload = sys.modules[RELOADER + ".addon_reload"]
bpy.context.scene.props_demo.count = 7
bpy.context.scene.props_demo.label = "kept"
bpy.context.preferences.addons[ADDON].preferences.verbose = True
results["first"] = state()

edit("props.py", "STEP = 1", "STEP = 10")
edit("props.py", '    label: bpy.props.StringProperty(default="start")',
     '    label: bpy.props.StringProperty(default="start")\n'
     '    extra: bpy.props.FloatProperty(default=2.5)')
outcome = addon_reload.reload_addon(ADDON)
results["reload"] = [str(outcome), not outcome.ok, outcome.warnings]
results["reloaded"] = state()
outcome = addon_reload.reload_addon(ADDON)
results["again"] = [str(outcome), not outcome.ok, outcome.warnings]
results["reloaded again"] = state()
with open(os.path.join(HERE, "results.json"), "w") as handle:
    json.dump(results, handle)
"""


class PropertyGroupTest(HostCase):
    """An add-on with a PropertyGroup on the scene and preferences reloads after an edit."""

    def setUp(self) -> None:
        super().setUp()
        self.python = bpy_python()
        os.makedirs(os.path.join(self.tmp, "home"))
        self.addon_dir = os.path.join(self.tmp, "scripts", "addons", "props_addon")
        copy_host("blender", os.path.join(self.tmp, "scripts", "addons", "reloader_addon"))
        self.write("scripts/addons/props_addon/__init__.py", PROPS_INIT)
        self.write("scripts/addons/props_addon/props.py", PROPS_MODULE)

    def test_edit_keeps_scene_values_and_shows_a_new_property(self) -> None:
        script = self.write("script.py", PROPS_SCRIPT.format(
            here=self.tmp, addon="props_addon", addon_dir=self.addon_dir,
            reloader_module="reloader_addon"))
        done = self.run_program([self.python, script], env={
            "HOME": os.path.join(self.tmp, "home"),
            "BLENDER_USER_SCRIPTS": os.path.join(self.tmp, "scripts"),
            "BLENDER_USER_EXTENSIONS": os.path.join(self.tmp, "extensions"),
        })
        path = os.path.join(self.tmp, "results.json")
        self.assertTrue(os.path.exists(path), done.stdout[-4000:])
        with open(path) as handle:
            results = json.load(handle)
        self.assertEqual(results["first"], {
            "count": 8, "label": "kept", "extra": None, "verbose": True,
            "settings_is_current": True, "enabled": [True, True]})
        text, failed, problems = results["reload"]
        self.assertFalse(failed, text)
        # The old PropertyGroup class may be left to the old code (Blender's metaclass
        # refuses class-attribute writes); the report then counts it as not updated.
        self.assertRegex(text, r"^reloaded 2 modules(, 1 not updated)? in \d+ ms$")
        self.assertEqual(problems, [])
        # The scene keeps its values, shows the new property, and runs the new operator.
        self.assertEqual(results["reloaded"], {
            "count": 18, "label": "kept", "extra": 2.5, "verbose": True,
            "settings_is_current": True, "enabled": [True, True]})
        # A reload with no edit changes nothing.
        text, failed, problems = results["again"]
        self.assertFalse(failed, text)
        self.assertEqual(problems, [])
        self.assertEqual(results["reloaded again"], {
            "count": 28, "label": "kept", "extra": 2.5, "verbose": True,
            "settings_is_current": True, "enabled": [True, True]})


if __name__ == "__main__":
    unittest.main()
