"""Reloader for Blender: reload an add-on or extension with all its submodules.

Adds Blender menu > System > Reload Add-on (and F3), reload on save and Listen for Editor
(remembered in the preferences); `addon_reload` does the work. See README.md to install.
"""

bl_info = {"name": "Reloader", "author": "reloader contributors", "version": (0, 1, 0),
           "blender": (4, 2, 0), "category": "Development",
           "location": "Blender menu > System > Reload Add-on; F3 > Reload Add-on",
           "description": "Reload an add-on or extension with all its submodules"}

import bpy  # noqa: E402

from . import reloader  # noqa: E402
from .addon_reload import HOST, reload_addon, watch  # noqa: E402


class _AddonOperator:
    """Asks for an add-on's module name, the last one reloaded filled in."""

    bl_options = {"REGISTER"}
    module: bpy.props.StringProperty(  # type: ignore[valid-type]
        name="Add-on", description="Module name, such as my_addon or bl_ext.user_default.my_addon")

    def invoke(self, context, event):  # type: ignore[no-untyped-def]
        self.module = self.module or " ".join(HOST.last)
        return context.window_manager.invoke_props_dialog(self)


class RELOADER_OT_reload_addon(_AddonOperator, bpy.types.Operator):
    """Reload an add-on or extension with all its submodules: unregister, reload, register"""

    bl_idname, bl_label = "reloader.reload_addon", "Reload Add-on"

    def execute(self, context):  # type: ignore[no-untyped-def]
        report = reload_addon(self.module)
        for warning in report.warnings:
            self.report({"WARNING"}, warning)
        self.report({"INFO"} if report.ok else {"ERROR"}, str(report))
        return {"FINISHED"} if report.ok else {"CANCELLED"}


class RELOADER_OT_reload_on_save(_AddonOperator, bpy.types.Operator):
    """Reload an add-on whenever one of its files is saved (toggle)"""

    bl_idname, bl_label = "reloader.reload_on_save", "Reload Add-on on Save"

    def execute(self, context):  # type: ignore[no-untyped-def]
        try:
            self.report({"INFO"}, watch(self.module))
        except ValueError as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        return {"FINISHED"}


class ReloaderPreferences(bpy.types.AddonPreferences):
    bl_idname = __package__
    listen: bpy.props.BoolProperty(  # type: ignore[valid-type]
        name="Listen for Editor", update=lambda self, _: print("reloader:", HOST.listen(
            self.listen)), description="Reload when your editor asks (python -m reloader send)")

    def draw(self, context):  # type: ignore[no-untyped-def]
        self.layout.prop(self, "listen")


class RELOADER_OT_listen(bpy.types.Operator):
    """Listen for reloads sent from your editor (python -m reloader send), or stop (toggle)"""

    bl_idname, bl_label = "reloader.listen", "Listen for Editor"

    def execute(self, context):  # type: ignore[no-untyped-def]
        preferences = context.preferences.addons[__package__].preferences
        preferences.listen = not preferences.listen  # its update starts or stops listening
        context.preferences.is_dirty = True  # saved with the preferences
        self.report({"INFO"}, HOST.listen(None))
        return {"FINISHED"}


def draw_menu(self, context):  # type: ignore[no-untyped-def]
    self.layout.separator()
    self.layout.operator(RELOADER_OT_reload_addon.bl_idname, icon="FILE_REFRESH")
    self.layout.operator(RELOADER_OT_reload_on_save.bl_idname)
    self.layout.operator(RELOADER_OT_listen.bl_idname)


_classes = (ReloaderPreferences, RELOADER_OT_reload_addon, RELOADER_OT_reload_on_save,
            RELOADER_OT_listen)


def register() -> None:
    reloader.use_host(HOST)
    for cls in _classes:
        bpy.utils.register_class(cls)
    bpy.types.TOPBAR_MT_blender_system.append(draw_menu)
    addon = bpy.context.preferences.addons.get(__package__)  # None when first enabled
    if addon is not None and addon.preferences.listen:
        print("reloader:", HOST.listen(True))


def unregister() -> None:
    bpy.types.TOPBAR_MT_blender_system.remove(draw_menu)
    for cls in reversed(_classes):
        bpy.utils.unregister_class(cls)
    reloader.use_host(HOST)()  # stops reload on save and listening too
