import reloader_nuke

reloader_nuke.install()
