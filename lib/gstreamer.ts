/**
 * `dynamic-ofa/gstreamer`: camera frames from a GStreamer pipeline (gst-launch-1.0 run as a child process), as the
 * addon's image input, newest frame first. Needs GStreamer's command-line tools on the machine; nothing in the
 * runtime (`dynamic-ofa`) imports from here. docs/services.md has the Jetson pipelines.
 *
 * @packageDocumentation
 * @module dynamic-ofa/gstreamer
 */
export { openPipeline, PipelineReader, type PipelineFrame, type PipelineStats } from './gstreamer/pipeline-reader';
export { frameLayout, GST_FORMATS, gstLaunchArgs, splitDescription, type FrameLayout, type PipelineOptions } from './gstreamer/pipeline-description';
export { DependencyMissingError, PipelineError, type PipelineErrorCode } from './errors';
