"""A fake of `abaqusGui` for registration files: the plug-in toolset records kernel menu buttons.

`press(text)` does what Abaqus/CAE does when a kernel button is chosen: it
sends "import module" and "module.function" to the kernel interpreter.
"""

from typing import Any, Dict, List


class PluginToolset:
    def __init__(self) -> None:
        self.kernel_buttons: List[Dict[str, Any]] = []

    def registerKernelMenuButton(self, moduleName: str, functionName: str, buttonText: str = "",
                                 icon: Any = None, applicableModules: Any = "ALL",
                                 version: str = "N/A", author: str = "N/A",
                                 description: str = "N/A", helpUrl: str = "N/A") -> None:
        self.kernel_buttons.append(dict(moduleName=moduleName, functionName=functionName,
                                        buttonText=buttonText, description=description))


class MainWindow:
    def __init__(self) -> None:
        self.toolset = PluginToolset()

    def getPluginToolset(self) -> PluginToolset:
        return self.toolset


class App:
    def __init__(self) -> None:
        self.window = MainWindow()

    def getAFXMainWindow(self) -> MainWindow:
        return self.window


_app = App()


def getAFXApp() -> App:
    return _app


def press(text: str) -> None:
    (button,) = [b for b in _app.window.toolset.kernel_buttons if b["buttonText"] == text]
    kernel: Dict[str, Any] = {}
    exec("import {0}\n{0}.{1}".format(button["moduleName"], button["functionName"]), kernel)
