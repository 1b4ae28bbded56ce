import reloader_maya; reloader_maya.install()
