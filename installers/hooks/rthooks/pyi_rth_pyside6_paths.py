# Run at every start of the frozen app, in place of PyInstaller's own PySide6 run-time hook
# (installers/hooks/rthooks.dat names it for PySide6, and a hook directory given in the spec
# comes before PyInstaller's). That hook sets the same plugin path, then imports QtCore to give
# Qt a qt.conf, which PySide6's wheels register themselves as QtCore loads: importing it first
# made every module the app imports after it go through PySide's source check, and bound all
# of QtCore's symbols at load, before the app's own start-up code could choose the order
# (ui/app.py). No QML, and no QtNetwork (so no OpenSSL DLLs to find), to set paths for.
import os
import sys

os.environ["QT_PLUGIN_PATH"] = os.path.join(
    sys._MEIPASS, "PySide6", *([] if sys.platform.startswith("win") else ["Qt"]), "plugins")
