using System.Threading.Channels;
using FFMpegCore;
using FFMpegCore.Pipes;
using SsdLite.Vision;

namespace SsdLite.Tools.Video;

/// <summary>
/// Writes frames to an H.264 MP4 through ffmpeg (FFMpegCore, raw RGB24 piped in): libx264, yuv420p (what players and
/// browsers decode), the input's frame rate and size (an odd width or height is padded by one pixel, as yuv420p needs
/// even sizes). Frames are queued to a bounded channel and piped on a pool thread, so encoding overlaps the network.
/// </summary>
public sealed class VideoEncoder
{
    private readonly Channel<Image> frames = Channel.CreateBounded<Image>(new BoundedChannelOptions(8) { SingleReader = true, SingleWriter = true });
    private readonly Task<FFMpegResult> process;
    private readonly string path;
    private readonly List<string> errors = [];

    private VideoEncoder(string path, int width, int height, string frameRate, string? codec)
    {
        this.path = path;
        var ff = FfmpegBinaries.Require();
        var source = new FramePipeSource(frames.Reader, width, height, frameRate);
        var pad = width % 2 != 0 || height % 2 != 0 ? " -vf pad=ceil(iw/2)*2:ceil(ih/2)*2" : "";
        process = FFMpegArguments.FromPipeInput(source, o => o.WithCustomArgument("-hide_banner -loglevel level+error"))
            .OutputToFile(path, true, o => o.WithCustomArgument(codec ?? $"-c:v libx264 -preset veryfast -crf 20 -pix_fmt yuv420p -movflags +faststart{pad}"))
            .NotifyOnStandardError(l =>
            {
                lock (errors)
                {
                    if (errors.Count < 8) errors.Add(l);
                }
            })
            .ProcessAsynchronously(throwOnError: false, ff);
    }

    /// <summary>The file being written.</summary>
    public string Path => path;

    /// <summary>Frames written so far.</summary>
    public long Frames { get; private set; }

    /// <summary>
    /// Starts ffmpeg writing <paramref name="path"/> at <paramref name="frameRate"/> (a rational, "30/1"); <paramref name="codec"/>
    /// replaces the H.264 output arguments (e.g. "-c:v ffv1" for a lossless file).
    /// </summary>
    public static VideoEncoder Start(string path, int width, int height, string frameRate, string? codec = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        return new VideoEncoder(path, width, height, frameRate, codec);
    }

    /// <summary>Queues one frame (waits while the queue is full).</summary>
    public void Write(Image frame, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (process.IsCompleted) throw Failure("ffmpeg stopped early");
        if (!frames.Writer.TryWrite(frame)) frames.Writer.WriteAsync(frame, cancel).AsTask().GetAwaiter().GetResult();
        Frames++;
    }

    /// <summary>Ends the stream and waits for ffmpeg to finish the file; throws a <see cref="VideoException"/> if it failed.</summary>
    public void Finish()
    {
        frames.Writer.TryComplete();
        FFMpegResult result;
        try
        {
            result = process.GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            throw Failure(e.Message);
        }
        if (result.ExitCode != 0) throw Failure($"ffmpeg exited with code {result.ExitCode}");
    }

    private VideoException Failure(string what)
    {
        string log;
        lock (errors) log = string.Join("; ", errors);
        return new VideoException(VideoErrorKind.EncodeError, $"{VideoException.Title(VideoErrorKind.EncodeError)} {path}: {what}{(log.Length > 0 ? ": " + log : "")}");
    }

    /// <summary>FFMpegCore's pipe input: raw RGB24 frames from the channel, in order, until it completes.</summary>
    private sealed class FramePipeSource(ChannelReader<Image> reader, int width, int height, string frameRate) : IPipeSource
    {
        public string GetStreamArguments() => $"-f rawvideo -pix_fmt rgb24 -video_size {width}x{height} -framerate {frameRate}";

        public async Task WriteAsync(Stream outputStream, CancellationToken cancellationToken)
        {
            // ffmpeg reads packed RGB, as the reader asks it for: the same colour conversion both ways.
            var rgb = new byte[width * height * 3];
            await foreach (var frame in reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (frame.Width != width || frame.Height != height)
                    throw new InvalidOperationException($"frame of {frame.Width}x{frame.Height} in a {width}x{height} video");
                frame.CopyRgbTo(rgb);
                await outputStream.WriteAsync(rgb, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
