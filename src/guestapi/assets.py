"""Where the project's own files are: the SAM template, the check scenarios, the web page.

They ship as package data under `guestapi/data/`, so an installed wheel finds them without
a source checkout. In the repository that directory holds only symlinks to the canonical
files at the root (`template.yaml`, `events/`, `web/`); the wheel build copies the targets
in (see `[tool.setuptools.package-data]`), and an editable install follows the links. One
copy of each file, and no path is ever counted up from `__file__` (`parents[N]`), which
would point nowhere once installed.

Every function returns a path even when the file is absent; the caller that opens it says
what is missing in one line (for example `web/dist/app.js` before `npm run build`).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from guestapi.errors import GuestApiError

PACKAGE = "guestapi"
DATA_DIR = "data"


class AssetError(GuestApiError):
    """The package's data files are not on the file system (say, imported from a zip)."""


def data_dir() -> Path:
    """`guestapi/data/` of the installed package (or of the checkout, when editable)."""
    root = files(PACKAGE)
    # A wheel installed by pip is a directory, so this is a real Path; a zip import is not,
    # and the server and the checks need real files (uvicorn, subprocesses, glob).
    if not isinstance(root, Path):
        raise AssetError(
            f"the {PACKAGE} package is not on the file system ({root}): pass --template "
            "and --events explicitly"
        )
    return root / DATA_DIR


def template_path() -> Path:
    """The project's SAM template (`template.yaml`): the default for the offline stack."""
    return data_dir() / "template.yaml"


def events_dir() -> Path:
    """The post-deploy check scenarios (`events/*.json`)."""
    return data_dir() / "events"


def web_dir() -> Path:
    """The browser example: `index.html`, `styles.css` and the built `dist/app.js`."""
    return data_dir() / "web"
