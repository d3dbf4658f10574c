"""`SummaryWriter`: torch's API over tensorboard's event-file writer."""
from __future__ import annotations

import os
import socket
import time
from datetime import datetime

from . import summary as S


class FileWriter:
    """One event file in `log_dir`: summaries become events with a step and a wall time."""

    def __init__(self, log_dir: str, max_queue: int = 10, flush_secs: int = 120, filename_suffix: str = ""):
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
        self.event_writer = EventFileWriter(str(log_dir), max_queue, flush_secs, filename_suffix)

    def get_logdir(self) -> str:
        return self.event_writer.get_logdir()

    def add_summary(self, summary, global_step=None, walltime=None) -> None:
        from tensorboard.compat.proto.event_pb2 import Event
        event = Event(summary=summary, wall_time=time.time() if walltime is None else walltime)
        if global_step is not None:
            event.step = int(global_step)
        self.event_writer.add_event(event)

    def add_graph(self, graph_and_stats, walltime=None) -> None:
        """The graph event, then its run metadata tagged "step1", as torch writes them."""
        from tensorboard.compat.proto.event_pb2 import Event, TaggedRunMetadata
        graph, stats = graph_and_stats
        wall = time.time() if walltime is None else walltime
        self.event_writer.add_event(Event(graph_def=graph.SerializeToString(), wall_time=wall))
        self.event_writer.add_event(Event(tagged_run_metadata=TaggedRunMetadata(
            tag="step1", run_metadata=stats.SerializeToString()), wall_time=wall))

    def flush(self) -> None:
        self.event_writer.flush()

    def close(self) -> None:
        self.event_writer.close()


class SummaryWriter:
    """Write scalars, histograms, images, figures and text for TensorBoard into `log_dir` (by default
    `runs/<month><day>_<hour>-<minute>-<second>_<host><comment>`, as torch names it)."""

    def __init__(self, log_dir=None, comment: str = "", purge_step=None, max_queue: int = 10, flush_secs: int = 120,
                 filename_suffix: str = ""):
        if not log_dir:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", stamp + "_" + socket.gethostname() + comment)
        self.log_dir = str(log_dir)
        self.purge_step, self.max_queue, self.flush_secs = purge_step, max_queue, flush_secs
        self.filename_suffix = filename_suffix
        self.file_writer = self.all_writers = None
        self._get_file_writer()

    def _get_file_writer(self) -> FileWriter:
        """The default event file, opened again after `close`."""
        if self.all_writers is None or self.file_writer is None:
            self.file_writer = FileWriter(self.log_dir, self.max_queue, self.flush_secs, self.filename_suffix)
            self.all_writers = {self.file_writer.get_logdir(): self.file_writer}
            if self.purge_step is not None:  # TensorBoard drops the events at and after this step
                from tensorboard.compat.proto.event_pb2 import Event, SessionLog
                writer = self.file_writer.event_writer
                writer.add_event(Event(step=self.purge_step, file_version="brain.Event:2"))
                writer.add_event(Event(step=self.purge_step, session_log=SessionLog(status=SessionLog.START)))
                self.purge_step = None
        return self.file_writer

    def get_logdir(self) -> str:
        return self.log_dir

    def add_scalar(self, tag: str, scalar_value, global_step=None, walltime=None, new_style: bool = False,
                   double_precision: bool = False) -> None:
        """One value of the series `tag` at `global_step`."""
        if new_style or double_precision:
            raise NotImplementedError("minitorch's SummaryWriter writes scalars in the classic style only "
                                      "(new_style=False)")
        self._get_file_writer().add_summary(S.scalar(tag, scalar_value), global_step, walltime)

    def add_scalars(self, main_tag: str, tag_scalar_dict: dict, global_step=None, walltime=None) -> None:
        """Several series on one chart: each goes to its own run, `<log_dir>/<main_tag>_<tag>`."""
        walltime = time.time() if walltime is None else walltime
        base = self._get_file_writer().get_logdir()
        for tag, value in tag_scalar_dict.items():
            run = base + "/" + main_tag.replace("/", "_") + "_" + tag
            if run not in self.all_writers:
                self.all_writers[run] = FileWriter(run, self.max_queue, self.flush_secs, self.filename_suffix)
            self.all_writers[run].add_summary(S.scalar(main_tag, value), global_step, walltime)

    def add_histogram(self, tag: str, values, global_step=None, bins="tensorflow", walltime=None,
                      max_bins=None) -> None:
        """The distribution of `values` (a tensor or array) at `global_step`."""
        self._get_file_writer().add_summary(S.histogram(tag, values, bins, max_bins), global_step, walltime)

    def add_image(self, tag: str, img_tensor, global_step=None, walltime=None, dataformats: str = "CHW") -> None:
        """One image: uint8 values as they are, floats scaled from [0, 1]."""
        self._get_file_writer().add_summary(S.image(tag, img_tensor, dataformats), global_step, walltime)

    def add_images(self, tag: str, img_tensor, global_step=None, walltime=None, dataformats: str = "NCHW") -> None:
        """A batch of images, laid out as one grid image, eight per row."""
        self._get_file_writer().add_summary(S.image(tag, img_tensor, dataformats), global_step, walltime)

    def add_figure(self, tag: str, figure, global_step=None, close: bool = True, walltime=None) -> None:
        """A matplotlib figure (or a list of them, as a grid) rendered to an image."""
        import numpy as np
        figures = figure if isinstance(figure, list) else [figure]
        images = np.stack([_render(f, close) for f in figures])
        if isinstance(figure, list):
            self.add_images(tag, images, global_step, walltime, dataformats="NCHW")
        else:
            self.add_image(tag, images[0], global_step, walltime, dataformats="CHW")

    def add_graph(self, model, input_to_model=None, verbose: bool = False, use_strict_trace: bool = True) -> None:
        """The model's graph (from one forward pass on `input_to_model`) for the Graphs tab."""
        from .graph import graph
        self._get_file_writer().add_graph(graph(model, input_to_model, verbose))

    def add_hparams(self, hparam_dict: dict, metric_dict: dict, hparam_domain_discrete=None, run_name=None,
                    global_step=None) -> None:
        """A run's hyperparameters and final metrics for the HParams tab, in `<log_dir>/<run_name>` (the time
        by default), with each metric also written as a scalar there."""
        if type(hparam_dict) is not dict or type(metric_dict) is not dict:
            raise TypeError("hparam_dict and metric_dict should be dictionary.")
        summaries = S.hparams(hparam_dict, metric_dict, hparam_domain_discrete)
        logdir = os.path.join(self._get_file_writer().get_logdir(), run_name or str(time.time()))
        with SummaryWriter(log_dir=logdir) as run:
            for summary in summaries:
                run.file_writer.add_summary(summary, global_step)
            for k, v in metric_dict.items():
                run.add_scalar(k, v, global_step)

    def add_text(self, tag: str, text_string: str, global_step=None, walltime=None) -> None:
        """A string (TensorBoard renders it as markdown)."""
        self._get_file_writer().add_summary(S.text(tag, text_string), global_step, walltime)

    def flush(self) -> None:
        """Write pending events of every run to disk."""
        for writer in (self.all_writers or {}).values():
            writer.flush()

    def close(self) -> None:
        """Flush and close every run's event file (a later add_* opens a new one)."""
        for writer in (self.all_writers or {}).values():
            writer.flush()
            writer.close()
        self.file_writer = self.all_writers = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.close()


def _render(figure, close: bool):
    """A matplotlib figure as a (3, H, W) uint8 array (RGB of the rendered RGBA canvas)."""
    import numpy as np
    import matplotlib.backends.backend_agg as agg
    canvas = agg.FigureCanvasAgg(figure)
    canvas.draw()
    data = np.frombuffer(canvas.buffer_rgba(), dtype=np.uint8)
    w, h = figure.canvas.get_width_height()
    image = data.reshape([h, w, 4])[:, :, 0:3].transpose(2, 0, 1)
    if close:
        import matplotlib.pyplot as plt
        plt.close(figure)
    return image
