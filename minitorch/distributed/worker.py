"""What each rank runs under `minitorch distributed run`: the user's script as `__main__`.

An exception that escapes the script is printed and then aborts the whole MPI job at once, so the
other ranks stop instead of waiting forever in their next collective. A rank whose parent (MPI's
process manager) disappears is stopped too.
"""
import os
import runpy
import sys
import time
import traceback


def main() -> None:
    from ._linux import die_with_parent
    die_with_parent()  # a rank whose MPI process manager is gone has no one left to talk to
    script = sys.argv[1]
    sys.argv = sys.argv[1:]
    sys.path[0] = os.path.dirname(os.path.abspath(script))  # as `python script.py` sets it
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit:
        raise
    except BaseException:
        sys.stderr.write(traceback.format_exc())  # one write: the abort below cannot split it
        sys.stderr.flush()
        mpi = sys.modules.get("mpi4py.MPI")
        if mpi is not None and mpi.Is_initialized() and not mpi.Is_finalized():
            # MPI's launcher forwards each rank's output through its own process, and an abort kills that
            # at once: give it a moment to pass the traceback on first
            time.sleep(0.5)
            mpi.COMM_WORLD.Abort(1)
        sys.exit(1)


if __name__ == "__main__":
    main()
