"""Adds Reloader to Abaqus/CAE's Plug-ins menu as kernel menu buttons.

Abaqus/CAE runs this registration file in its GUI process at start-up. The
buttons run `reloader_abaqus` functions in the kernel process, which owns
the modules that scripts and kernel plug-ins import.
"""

from abaqusGui import getAFXApp

toolset = getAFXApp().getAFXMainWindow().getPluginToolset()
for text, function, description in (
    ("Reloader|Reload package...", "reload_package()",
     "Reload a package and every module importing it in the kernel; asks for the name"),
    ("Reloader|Reload last", "reload_last()", "Reload the package reloaded last"),
):
    toolset.registerKernelMenuButton(
        moduleName="reloader_abaqus",
        functionName=function,
        buttonText=text,
        version="0.1.0",
        author="reloader",
        description=description,
    )
