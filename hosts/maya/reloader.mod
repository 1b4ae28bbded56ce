+ reloader 0.1.0 ./reloader-maya
