using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using FFMpegCore;
using FFMpegCore.Pipes;
using SsdLite.Vision;

namespace SsdLite.Tools.Video;

/// <summary>What limits the frames read from a video: every Nth, from a start time, for a duration, up to a count.</summary>
public sealed record VideoReadOptions
{
    /// <summary>Every Nth frame (1: all).</summary>
    public int Stride { get; init; } = 1;

    /// <summary>Seconds to skip at the start (ffmpeg's accurate input seek), or null.</summary>
    public double? Start { get; init; }

    /// <summary>Seconds to read from the start, or null for all.</summary>
    public double? Duration { get; init; }

    /// <summary>At most this many frames (after the stride), or null.</summary>
    public long? MaxFrames { get; init; }

    /// <summary>Seconds to wait for a network stream before it counts as unreachable.</summary>
    public double NetworkTimeout { get; init; } = 10;

    /// <summary>Throws on values out of range.</summary>
    public void Validate()
    {
        if (Stride < 1) throw new ArgumentException($"--vid-stride must be at least 1, got {Stride}");
        if (Start is < 0) throw new ArgumentException($"--start must be at least 0, got {Start}");
        if (Duration is <= 0) throw new ArgumentException($"--duration must be positive, got {Duration}");
        if (MaxFrames is < 1) throw new ArgumentException($"--max-frames must be at least 1, got {MaxFrames}");
    }
}

/// <summary>The video stream as the decoder delivers it: frame size and rate (a rational such as "30000/1001").</summary>
/// <param name="Width">Frame width in pixels.</param>
/// <param name="Height">Frame height in pixels.</param>
/// <param name="FrameRate">The stream's frame rate as ffmpeg states it, or "0/0" when unknown.</param>
public sealed record VideoStreamInfo(int Width, int Height, string FrameRate)
{
    /// <summary>The frame rate in frames per second, or 0 when unknown.</summary>
    public double Fps
    {
        get
        {
            var parts = FrameRate.Split('/');
            if (parts.Length == 2 && double.TryParse(parts[0], CultureInfo.InvariantCulture, out var n) && double.TryParse(parts[1], CultureInfo.InvariantCulture, out var d) && d > 0)
                return n / d;
            return 0;
        }
    }
}

/// <summary>One decoded frame: its index in the source (0-based, counting from <see cref="VideoReadOptions.Start"/>), its presentation time in seconds, and its RGB pixels.</summary>
/// <param name="Index">The source frame's index.</param>
/// <param name="Time">Presentation timestamp in seconds from the start of the input.</param>
/// <param name="Image">The frame, RGB.</param>
public sealed record VideoFrame(long Index, double Time, Image Image);

/// <summary>How a read ended: frames delivered, and the error that ended it early or that no frame could be read for.</summary>
/// <param name="Frames">Frames handed to the caller.</param>
/// <param name="Info">The stream, once its first frame came; null when none did.</param>
/// <param name="Error">The failure, or null.</param>
public sealed record VideoReadResult(long Frames, VideoStreamInfo? Info, VideoException? Error);

/// <summary>
/// Decodes a video file, stream URL or V4L2 device with ffmpeg through FFMpegCore: ffmpeg writes raw RGB24 frames
/// (<c>-f rawvideo -pix_fmt rgb24</c>) to a pipe, the same conversion ffmpeg applies when it writes a frame as PNG, so the
/// pixels equal those of the frame extracted to PNG. Each frame's presentation time comes from ffmpeg's showinfo filter on
/// standard error. The stride, start, duration and frame count are applied by ffmpeg itself (select filter, -ss, -t,
/// -frames:v), so skipped frames are never converted or piped.
/// </summary>
public static partial class VideoReader
{
    private const int MaxErrors = 8;

    /// <summary>
    /// Reads <paramref name="input"/> and passes each frame to <paramref name="onFrame"/> (on a pool thread, one at a
    /// time, in order), which returns false to stop. Failures come back in the result, not as exceptions (except
    /// ffmpeg missing and cancellation).
    /// </summary>
    public static async Task<VideoReadResult> ReadAsync(string input, VideoReadOptions options, Func<VideoStreamInfo, VideoFrame, ValueTask<bool>> onFrame,
        CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(onFrame);
        options.Validate();
        var ff = FfmpegBinaries.Require();
        var live = VideoInputs.IsLive(input);
        if (!live && !File.Exists(input))
            return new VideoReadResult(0, null, new VideoException(VideoErrorKind.NotFound, $"{VideoException.Title(VideoErrorKind.NotFound)}: {input}"));

        var log = new FfmpegLog();
        var frames = 0L;
        VideoStreamInfo? info = null;
        var stopped = false;
        var sink = new StreamPipeSink(async (stream, ct) =>
        {
            byte[]? buffer = null;
            for (long k = 0; ; k++)
            {
                // The first byte of the next frame (or the end): ffmpeg logged the frame's showinfo line before writing it.
                var first = new byte[1];
                if (await stream.ReadAsync(first, ct).ConfigureAwait(false) == 0) return;
                var shown = await log.FrameAsync(k, ct).ConfigureAwait(false);
                if (info is null)
                {
                    if (shown is null) throw new VideoException(VideoErrorKind.DecodeError, $"{VideoException.Title(VideoErrorKind.DecodeError)}: ffmpeg gave no frame size for {input}");
                    info = new VideoStreamInfo(shown.Value.Width, shown.Value.Height, log.FrameRate ?? "0/0");
                    buffer = new byte[info.Width * info.Height * 3];
                }
                buffer![0] = first[0];
                var got = 1;
                while (got < buffer.Length)
                {
                    var n = await stream.ReadAsync(buffer.AsMemory(got), ct).ConfigureAwait(false);
                    if (n == 0) return; // a partial last frame: ffmpeg was stopped
                    got += n;
                }
                var time = (options.Start ?? 0) + (shown is { } s && !double.IsNaN(s.Time) ? s.Time : info.Fps > 0 ? k * options.Stride / info.Fps : 0);
                var frame = new VideoFrame(k * options.Stride, time, Image.FromRgb(info.Width, info.Height, buffer));
                frames++;
                if (!await onFrame(info, frame).ConfigureAwait(false))
                {
                    stopped = true;
                    return;
                }
            }
        });

        var inputArgs = "-hide_banner -loglevel level+info";
        if (VideoInputs.IsDevice(input)) inputArgs += " -f v4l2";
        if (input.StartsWith("rtsp", StringComparison.OrdinalIgnoreCase))
            inputArgs += FormattableString.Invariant($" -timeout {(long)(options.NetworkTimeout * 1e6)}");
        else if (VideoInputs.IsStreamUrl(input) && !input.StartsWith("udp", StringComparison.OrdinalIgnoreCase) && !input.StartsWith("srt", StringComparison.OrdinalIgnoreCase))
            inputArgs += FormattableString.Invariant($" -rw_timeout {(long)(options.NetworkTimeout * 1e6)}");
        if (options.Start is { } start) inputArgs += FormattableString.Invariant($" -ss {start:0.######}");
        if (options.Duration is { } duration) inputArgs += FormattableString.Invariant($" -t {duration:0.######}");
        var filters = options.Stride > 1 ? FormattableString.Invariant($"select=not(mod(n\\,{options.Stride})),showinfo") : "showinfo";
        // Passthrough: each decoded frame once, as it comes (the rawvideo muxer would otherwise get a constant-rate stream with
        // frames duplicated over gaps, e.g. where a corrupt packet lost one).
        var outputArgs = $"-map 0:v:0 -an -sn -dn -vf {filters} -vsync passthrough -pix_fmt rgb24";
        if (options.MaxFrames is { } max) outputArgs += FormattableString.Invariant($" -frames:v {max}");

        var arguments = live
            ? VideoInputs.IsDevice(input) ? FFMpegArguments.FromDeviceInput(input, o => o.WithCustomArgument(inputArgs)) : FFMpegArguments.FromUrlInput(input, o => o.WithCustomArgument(inputArgs))
            : FFMpegArguments.FromFileInput(input, false, o => o.WithCustomArgument(inputArgs));
        FFMpegResult result;
        try
        {
            result = await arguments
                .OutputToPipe(sink, o => o.ForceFormat("rawvideo").WithCustomArgument(outputArgs))
                .NotifyOnStandardError(log.Line)
                .ProcessAsynchronously(throwOnError: false, ff, cancel).ConfigureAwait(false);
        }
        catch (VideoException e)
        {
            return new VideoReadResult(frames, info, e);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException && !cancel.IsCancellationRequested)
        {
            // The pipe closed under FFMpegCore: ffmpeg stopped (a stop asked for, or a failure its log names).
            if (stopped) return new VideoReadResult(frames, info, null);
            return new VideoReadResult(frames, info, Classify(input, frames, log.Errors, live) ?? new VideoException(VideoErrorKind.DecodeError,
                $"{VideoException.Title(VideoErrorKind.DecodeError)} after {frames} frames: {e.Message}", e));
        }
        if (stopped) return new VideoReadResult(frames, info, null);
        var error = Classify(input, frames, log.Errors, live);
        if (error is null && result.ExitCode != 0)
        {
            error = new VideoException(frames == 0 ? VideoErrorKind.NotAVideo : VideoErrorKind.DecodeError,
                $"{VideoException.Title(frames == 0 ? VideoErrorKind.NotAVideo : VideoErrorKind.DecodeError)}: ffmpeg exited with code {result.ExitCode} after {frames} frames");
        }
        return new VideoReadResult(frames, info, error);
    }

    /// <summary>The named failure that ffmpeg's error lines tell, or null when it logged none.</summary>
    internal static VideoException? Classify(string input, long frames, IReadOnlyList<string> errors, bool live)
    {
        if (errors.Count == 0) return frames == 0 ? new VideoException(live ? VideoErrorKind.Unreachable : VideoErrorKind.NoVideoStream,
            $"{VideoException.Title(live ? VideoErrorKind.Unreachable : VideoErrorKind.NoVideoStream)}: ffmpeg read no frame from {input}") : null;
        var text = string.Join("; ", errors.Distinct());
        bool Has(string s) => errors.Any(e => e.Contains(s, StringComparison.OrdinalIgnoreCase));
        VideoErrorKind kind;
        if (frames > 0) kind = Has("ended prematurely") || Has("End of file") || Has("truncat") ? VideoErrorKind.Truncated : VideoErrorKind.DecodeError;
        else if (live || Has("Connection refused") || Has("Connection timed out") || Has("resolve") || Has("Server returned") || Has("No route"))
            kind = VideoErrorKind.Unreachable;
        else if (Has("matches no streams") || Has("does not contain any stream")) kind = VideoErrorKind.NoVideoStream;
        // An MP4 cut before its index (moov) reads as no video at all: ffmpeg cannot tell it from a non-video file.
        else if (Has("Invalid data found")) kind = VideoErrorKind.NotAVideo;
        else if (Has("moov atom not found") || Has("End of file") || Has("ended prematurely") || Has("truncat")) kind = VideoErrorKind.Truncated;
        else kind = VideoErrorKind.DecodeError;
        var where = frames > 0 ? $" after frame {frames - 1}" : "";
        return new VideoException(kind, $"{VideoException.Title(kind)}{where}: ffmpeg: {text}");
    }

    /// <summary>ffmpeg's standard error, as FFMpegCore hands it line by line: showinfo's frame lines, the frame rate, the errors.</summary>
    private sealed partial class FfmpegLog
    {
        private readonly ConcurrentDictionary<long, (double Time, int Width, int Height)> shown = new();
        private readonly List<string> errors = [];
        private readonly SemaphoreSlim arrived = new(0);

        public string? FrameRate { get; private set; }

        public IReadOnlyList<string> Errors
        {
            get
            {
                lock (errors) return errors.ToList();
            }
        }

        public void Line(string line)
        {
            if (line.Contains("Parsed_showinfo", StringComparison.Ordinal))
            {
                if (FrameLine().Match(line) is { Success: true } m)
                {
                    var time = m.Groups["t"].Value == "NOPTS" ? double.NaN : double.Parse(m.Groups["t"].Value, CultureInfo.InvariantCulture);
                    shown[long.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture)] = (time, int.Parse(m.Groups["w"].Value, CultureInfo.InvariantCulture),
                        int.Parse(m.Groups["h"].Value, CultureInfo.InvariantCulture));
                    arrived.Release();
                }
                else if (FrameRate is null && RateLine().Match(line) is { Success: true } r)
                {
                    FrameRate = r.Groups["r"].Value;
                }
                return;
            }
            if (line.Contains("[error]", StringComparison.Ordinal) || line.Contains("[fatal]", StringComparison.Ordinal))
            {
                var text = LevelTag().Replace(line, "").Trim();
                lock (errors)
                {
                    if (errors.Count < MaxErrors) errors.Add(text);
                }
            }
        }

        /// <summary>
        /// Frame k's showinfo (time, size); null if it does not come within a few seconds of its pixels. ffmpeg has
        /// written the line before the pixels, so only this process's reading of standard error can hold it back: the
        /// first frame, whose size the whole read needs, waits up to 30 s for it rather than fail the read with "gave no
        /// frame size" on a loaded machine; a later frame without its line takes its time from the frame rate.
        /// </summary>
        public async Task<(double Time, int Width, int Height)?> FrameAsync(long k, CancellationToken cancel)
        {
            var deadline = DateTime.UtcNow.AddSeconds(k == 0 ? 30 : 2);
            while (true)
            {
                if (shown.TryRemove(k, out var s)) return s;
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero) return null;
                await arrived.WaitAsync(left < TimeSpan.FromMilliseconds(50) ? left : TimeSpan.FromMilliseconds(50), cancel).ConfigureAwait(false);
            }
        }

        [GeneratedRegex(@"\bn:\s*(?<n>\d+)\s+pts:\s*-?\w+\s+pts_time:(?<t>-?[0-9.e+-]+|NOPTS).*?\bs:(?<w>\d+)x(?<h>\d+)")]
        private static partial Regex FrameLine();

        [GeneratedRegex(@"config in .*frame_rate:\s*(?<r>\d+/\d+)")]
        private static partial Regex RateLine();

        [GeneratedRegex(@"^(\[[^\]]*\]\s*)+")]
        private static partial Regex LevelTag();
    }
}
