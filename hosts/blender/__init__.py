"""Reloader for Blender: reload an add-on or extension with all its submodules.

Install this folder as `reloader_addon` (a legacy add-on in scripts/addons,
or an extension) with a copy of the `reloader` package inside it. It adds the
operator `reloader.reload_addon` (Blender menu > System > Reload Add-on, and
F3 search) and, optionally, reload on save. The work is in `addon_reload`.
"""

bl_info = {
    "name": "Reloader",
    "author": "reloader contributors",
    "version": (0, 1, 0),
    "blender": (4, 2, 0),
    "location": "Blender menu > System > Reload Add-on; F3 > Reload Add-on",
    "description": "Reload an add-on or extension with all its submodules",
    "category": "Development",
}

import bpy  # noqa: E402

from . import addon_reload  # noqa: E402


class _AddonOperator:
    """Asks for an add-on's module name, the last one reloaded filled in."""

    bl_options = {"REGISTER"}
    module: bpy.props.StringProperty(  # type: ignore[valid-type]
        name="Add-on", description="Module name, such as my_addon or bl_ext.user_default.my_addon")

    def invoke(self, context, event):  # type: ignore[no-untyped-def]
        self.module = self.module or addon_reload.last_reloaded()
        return context.window_manager.invoke_props_dialog(self)


class RELOADER_OT_reload_addon(_AddonOperator, bpy.types.Operator):
    """Reload an add-on or extension with all its submodules: unregister, reload, register"""

    bl_idname, bl_label = "reloader.reload_addon", "Reload Add-on"

    def execute(self, context):  # type: ignore[no-untyped-def]
        outcome = addon_reload.reload_addon(self.module)
        for problem in outcome.problems:
            self.report({"WARNING"}, problem)
        self.report({"ERROR"} if outcome.failed else {"INFO"}, outcome.text)
        return {"CANCELLED"} if outcome.failed else {"FINISHED"}


class RELOADER_OT_reload_on_save(_AddonOperator, bpy.types.Operator):
    """Reload an add-on whenever one of its files is saved (toggle)"""

    bl_idname, bl_label = "reloader.reload_on_save", "Reload Add-on on Save"

    def execute(self, context):  # type: ignore[no-untyped-def]
        try:
            self.report({"INFO"}, addon_reload.watch(self.module))
        except ValueError as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        return {"FINISHED"}


def draw_menu(self, context):  # type: ignore[no-untyped-def]
    self.layout.separator()
    self.layout.operator(RELOADER_OT_reload_addon.bl_idname, icon="FILE_REFRESH")
    self.layout.operator(RELOADER_OT_reload_on_save.bl_idname)


_classes = (RELOADER_OT_reload_addon, RELOADER_OT_reload_on_save)


def register() -> None:
    addon_reload.install()
    for cls in _classes:
        bpy.utils.register_class(cls)
    bpy.types.TOPBAR_MT_blender_system.append(draw_menu)


def unregister() -> None:
    bpy.types.TOPBAR_MT_blender_system.remove(draw_menu)
    for cls in reversed(_classes):
        bpy.utils.unregister_class(cls)
    addon_reload.uninstall()
