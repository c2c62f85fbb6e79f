"""Reading and writing files safely: every input is checked to be a regular file of a
sane size before anything reads it, and every output is written to a temporary file
created exclusively beside its target, then renamed over it. An output never goes through
a symbolic link, into a device, FIFO or directory, or over one of the inputs."""
import contextlib
import os
import stat
import tempfile

from .errors import AnalysisError

# Bounds on what is read (override with PARLAB_ANALYZE_MAX_BYTES): a report larger than
# this is refused before it is opened; so is any single dataset of more elements.
DEFAULT_MAX_BYTES = 16 << 30
MAX_DATASET_ELEMENTS = 1 << 28
MAX_TEXT_BYTES = 16 << 20  # JSON inputs such as `parlab primitives -o` files


def max_bytes():
    text = os.environ.get("PARLAB_ANALYZE_MAX_BYTES", "")
    if not text:
        return DEFAULT_MAX_BYTES
    try:
        value = int(text)
    except ValueError:
        raise AnalysisError(f"PARLAB_ANALYZE_MAX_BYTES must be a whole number of bytes, "
                            f"got {text!r}") from None
    if value < 1:
        raise AnalysisError(f"PARLAB_ANALYZE_MAX_BYTES must be at least 1, got {value}")
    return value


def _kind(mode):
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISLNK, "a symbolic link")):
        if test(mode):
            return name
    return "not a regular file"


def check_input(path, what="report", limit=None):
    """The stat of `path` once it is known to be a readable regular file (a symbolic link
    to one is fine) no larger than the limit; AnalysisError otherwise."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise AnalysisError(f"{path}: no such file") from None
    except OSError as error:
        raise AnalysisError(f"{path}: cannot read {what}: {error.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise AnalysisError(f"{path}: is {_kind(info.st_mode)}, not a {what} file")
    limit = max_bytes() if limit is None else limit
    if info.st_size > limit:
        raise AnalysisError(f"{path}: is {info.st_size} bytes, more than the {limit} bytes a "
                            f"{what} may have (PARLAB_ANALYZE_MAX_BYTES)")
    try:
        with open(path, "rb") as handle:
            handle.read(1)
    except OSError as error:
        raise AnalysisError(f"{path}: cannot read {what}: {error.strerror}") from None
    return info


def read_text(path, what):
    """A small text input (JSON), checked and bounded."""
    check_input(path, what, limit=MAX_TEXT_BYTES)
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read(MAX_TEXT_BYTES + 1)
    except (OSError, UnicodeDecodeError) as error:
        raise AnalysisError(f"{path}: cannot read {what} ({error})") from None


def same_file(info, path):
    try:
        other = os.stat(path)
    except OSError:
        return False
    return (info.st_dev, info.st_ino) == (other.st_dev, other.st_ino)


def check_output(target, inputs=()):
    """Refuses an output path that is a symbolic link, not a regular file, one of the
    inputs, or in a directory that does not exist."""
    parent = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(parent):
        raise AnalysisError(f"{target}: directory {parent} does not exist")
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return
    except OSError as error:
        raise AnalysisError(f"{target}: cannot write: {error.strerror}") from None
    if stat.S_ISLNK(info.st_mode):
        raise AnalysisError(f"{target}: is a symbolic link: refusing to write through it")
    if not stat.S_ISREG(info.st_mode):
        raise AnalysisError(f"{target}: is {_kind(info.st_mode)}: refusing to replace it")
    for path in inputs:
        if same_file(info, path):
            raise AnalysisError(f"{target}: is the input {path}: refusing to overwrite it")


@contextlib.contextmanager
def atomic_output(target, inputs=(), mode="wb"):
    """Yields a file object on a fresh temporary file (O_CREAT|O_EXCL|O_NOFOLLOW, a name
    nobody can predict) in the target's directory; on success it gets the usual
    permissions and is renamed over the target, on failure it is removed."""
    check_output(target, inputs)
    parent = os.path.dirname(os.path.abspath(target))
    try:
        fd, scratch = tempfile.mkstemp(dir=parent, prefix=f".{os.path.basename(target)}.",
                                       suffix=".tmp")
    except OSError as error:
        raise AnalysisError(f"{target}: cannot create a file in {parent}: "
                            f"{error.strerror}") from None
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(scratch, 0o666 & ~umask)
        check_output(target, inputs)  # again: the target may have changed meanwhile
        os.replace(scratch, target)
    except OSError as error:
        _remove(scratch)
        raise AnalysisError(f"{target}: cannot write: {error.strerror or error}") from None
    except BaseException:
        _remove(scratch)
        raise


def write_bytes(target, data, inputs=()):
    with atomic_output(target, inputs) as handle:
        handle.write(data)


def write_text(target, text, inputs=()):
    write_bytes(target, text.encode("utf-8"), inputs)


def output_directory(path):
    """A directory for several outputs: created (with its parents) when missing; an
    existing path must be a directory."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        try:
            os.makedirs(path)
        except OSError as error:
            raise AnalysisError(f"{path}: cannot create directory: {error.strerror}") from None
        return path
    except OSError as error:
        raise AnalysisError(f"{path}: cannot use as output directory: {error.strerror}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise AnalysisError(f"{path}: is {_kind(info.st_mode)}, not a directory")
    return path


def _remove(path):
    with contextlib.suppress(OSError):
        os.unlink(path)
