import reloader_nuke

reloader_nuke.add_menu()
