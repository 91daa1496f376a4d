using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using SsdLite.Runtime;
using SsdLite.Tools.Detect;
using SsdLite.Tools.Evaluation;
using SsdLite.Tracking;
using SsdLite.Vision;

namespace SsdLite.Tools.Video;

/// <summary>How <see cref="VideoPipeline"/> runs one video input.</summary>
public sealed record VideoPipelineOptions
{
    /// <summary>Frames per forward pass.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Which frames to read.</summary>
    public VideoReadOptions Read { get; init; } = new();

    /// <summary>Folder for the annotated video (DIR/&lt;stem&gt;.mp4) or, with <see cref="SaveFrames"/>, the drawn frames; null: none.</summary>
    public string? DrawTo { get; init; }

    /// <summary>The file name (without extension) of the annotated output in <see cref="DrawTo"/>.</summary>
    public string? Stem { get; init; }

    /// <summary>Write drawn frames as JPEG images (DIR/&lt;stem&gt;/&lt;frame&gt;.jpg) instead of an MP4.</summary>
    public bool SaveFrames { get; init; }

    /// <summary>For a live source: drop frames rather than fall behind.</summary>
    public bool Realtime { get; init; }

    /// <summary>Track objects across frames (ByteTrack) with these settings (the frame rate is the video's); null: no tracking.</summary>
    public ByteTrackOptions? Track { get; init; }

    /// <summary>How often a progress line goes to the progress writer.</summary>
    public TimeSpan ProgressEvery { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>What one video gave: frames detected, dropped, time taken, tracks.</summary>
/// <param name="Input">The input.</param>
/// <param name="Frames">Frames through the network.</param>
/// <param name="Dropped">Frames dropped to keep up with a live source (--realtime).</param>
/// <param name="Seconds">Wall-clock seconds from the first frame decoded to the last written.</param>
/// <param name="Fps">The source's frame rate (0 when unknown).</param>
/// <param name="Tracks">Distinct track ids reported (with tracking).</param>
/// <param name="MeanTrackLength">Mean frames per reported track.</param>
/// <param name="Error">The error entry's message, or null.</param>
/// <param name="Output">The annotated video or frame folder written, or null.</param>
public sealed record VideoSummary(string Input, long Frames, long Dropped, double Seconds, double Fps, int Tracks, double MeanTrackLength, string? Error, string? Output)
{
    /// <summary>Frames through the network per second.</summary>
    public double FramesPerSecond => Seconds > 0 ? Frames / Seconds : 0;
}

/// <summary>
/// Runs a detector over one video, file or live source: ffmpeg decodes (and the frames are transformed for the network) on
/// one task, the calling thread runs the network batch by batch and the tracker frame by frame, and drawing and encoding
/// run on another task, so the three overlap as DetectPipeline's stages do for images. A file's frames are batched up to
/// the batch size and read with back-pressure (none is lost); a live source's batches take what has arrived, and with
/// --realtime the oldest waiting frames are dropped (and counted) rather than let the run fall behind. Entries are handed
/// to the caller in frame order; a failure becomes an error entry after the frames read before it.
/// </summary>
public static class VideoPipeline
{
    /// <summary>Detects (and tracks) objects in every frame of <paramref name="input"/>; see the type's remarks.</summary>
    public static VideoSummary Run(IObjectDetector detector, string input, VideoPipelineOptions options, Action<ImageDetections> emit, TextWriter? progress,
        CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(emit);
        if (options.BatchSize < 1) throw new ArgumentException($"--batch-size must be at least 1, got {options.BatchSize}");
        options.Read.Validate();
        options.Track?.Validate();
        FfmpegBinaries.Require();
        var live = VideoInputs.IsLive(input);
        long dropped = 0;
        var capacity = Math.Max(2 * options.BatchSize, 4);
        var queue = live && options.Realtime
            ? Channel.CreateBounded<Decoded>(new BoundedChannelOptions(options.BatchSize) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true },
                _ => Interlocked.Increment(ref dropped))
            : Channel.CreateBounded<Decoded>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        VideoStreamInfo? info = null;
        var reader = Task.Run(async () =>
        {
            try
            {
                return await VideoReader.ReadAsync(input, options.Read, async (i, frame) =>
                {
                    info ??= i;
                    var tensor = new float[detector.InputLength];
                    detector.Preprocess(frame.Image, tensor);
                    await queue.Writer.WriteAsync(new Decoded(frame, tensor), stop.Token).ConfigureAwait(false);
                    return true;
                }, stop.Token).ConfigureAwait(false);
            }
            finally
            {
                queue.Writer.TryComplete();
            }
        });

        var clock = Stopwatch.StartNew();
        var sinceLine = Stopwatch.StartNew();
        ByteTracker? tracker = null;
        var trackLengths = new SortedDictionary<int, int>();
        Drawer? drawer = null;
        long frames = 0;
        var batch = new List<Decoded>(options.BatchSize);
        var input0 = new float[options.BatchSize * detector.InputLength];
        string? output = null;
        try
        {
            while (NextBatch(queue.Reader, batch, options.BatchSize, live, stop.Token))
            {
                var length = detector.InputLength;
                for (var i = 0; i < batch.Count; i++) batch[i].Input.AsSpan().CopyTo(input0.AsSpan(i * length, length));
                var found = detector.Detect(input0.AsSpan(0, batch.Count * length), batch.Select(d => (d.Frame.Image.Width, d.Frame.Image.Height)).ToList());
                for (var i = 0; i < batch.Count; i++)
                {
                    var frame = batch[i].Frame;
                    var detections = found[i];
                    IReadOnlyList<int?>? ids = null;
                    if (options.Track is { } track)
                    {
                        var fps = info?.Fps is > 0 ? info.Fps / options.Read.Stride : track.FrameRate;
                        tracker ??= new ByteTracker(track with { FrameRate = fps });
                        ids = tracker.Update(detections);
                        foreach (var id in ids.OfType<int>()) trackLengths[id] = trackLengths.GetValueOrDefault(id) + 1;
                    }
                    emit(new ImageDetections(input, frame.Image.Width, frame.Image.Height, detections) { Frame = frame.Index, Time = frame.Time, TrackIds = ids });
                    frames++;
                    if (options.DrawTo is not null)
                    {
                        drawer ??= new Drawer(options, frame.Image.Width, frame.Image.Height, info, live);
                        output = drawer.Output;
                        drawer.Add(frame, detections, ids, stop.Token);
                    }
                }
                batch.Clear();
                if (progress is not null && sinceLine.Elapsed >= options.ProgressEvery)
                {
                    sinceLine.Restart();
                    progress.WriteLine($"detect: {input}: {Rate(frames, Interlocked.Read(ref dropped), clock.Elapsed.TotalSeconds, info, options.Read.Stride)}");
                    progress.Flush();
                }
            }
        }
        catch
        {
            stop.Cancel();
            try
            {
                reader.Wait(CancellationToken.None);
            }
            catch (AggregateException)
            {
                // The run's own error is the one reported.
            }
            drawer?.Abandon();
            throw;
        }
        var read = reader.GetAwaiter().GetResult();
        drawer?.Finish();
        var seconds = clock.Elapsed.TotalSeconds;
        string? error = read.Error?.Message;
        if (error is not null) emit(ImageDetections.Unreadable(input, error));
        var tracks = trackLengths.Count;
        var mean = tracks == 0 ? 0 : trackLengths.Values.Average();
        var summary = new VideoSummary(input, frames, Interlocked.Read(ref dropped), seconds, info?.Fps ?? 0, tracks, mean, error, output);
        if (progress is not null && frames > 0)
        {
            progress.WriteLine($"detect: {input}: {Rate(frames, summary.Dropped, seconds, info, options.Read.Stride)}");
            if (options.Track is not null) progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"detect: {input}: {tracks} tracks, mean length {mean:F1} frames"));
            progress.Flush();
        }
        return summary;
    }

    /// <summary>"120 frames, 41.3 frames/s, 1.65x real time (25 fps), 3 dropped".</summary>
    private static string Rate(long frames, long dropped, double seconds, VideoStreamInfo? info, int stride)
    {
        var fps = frames / Math.Max(seconds, 1e-3);
        var realTime = info?.Fps is > 0 ? string.Create(CultureInfo.InvariantCulture, $", {fps * stride / info.Fps:F2}x real time ({info.Fps:0.##} fps)") : "";
        var drops = dropped > 0 ? $", {dropped} dropped" : "";
        return string.Create(CultureInfo.InvariantCulture, $"{frames} frames, {fps:F1} frames/s{realTime}{drops}");
    }

    /// <summary>The next batch: a file's up to the batch size (waiting for it); a live source's, what has come (at least one).</summary>
    private static bool NextBatch(ChannelReader<Decoded> reader, List<Decoded> batch, int size, bool live, CancellationToken cancel)
    {
        while (batch.Count < size)
        {
            if (reader.TryRead(out var item))
            {
                batch.Add(item);
                continue;
            }
            if (live && batch.Count > 0) break;
            if (!reader.WaitToReadAsync(cancel).AsTask().GetAwaiter().GetResult()) break;
        }
        return batch.Count > 0;
    }

    /// <summary>Draws each frame's boxes, labels, scores and track ids and writes it to the MP4 (or as a JPEG) on its own task.</summary>
    private sealed class Drawer
    {
        private readonly Channel<(VideoFrame Frame, IReadOnlyList<DetectedObject> Detections, IReadOnlyList<int?>? Ids)> jobs =
            Channel.CreateBounded<(VideoFrame, IReadOnlyList<DetectedObject>, IReadOnlyList<int?>?)>(new BoundedChannelOptions(8) { SingleReader = true, SingleWriter = true });
        private readonly Task work;
        private readonly VideoEncoder? encoder;

        public Drawer(VideoPipelineOptions options, int width, int height, VideoStreamInfo? info, bool live)
        {
            var stem = options.Stem ?? "video";
            if (options.SaveFrames)
            {
                Output = Path.Combine(options.DrawTo!, stem);
                Directory.CreateDirectory(Output);
            }
            else
            {
                Output = Path.Combine(options.DrawTo!, stem + ".mp4");
                // The input's rate over the stride; a source that states none (some live ones) is written at 25 fps.
                var rate = info?.Fps is > 0 ? info.FrameRate : "25/1";
                if (options.Read.Stride > 1 && info?.Fps is > 0)
                {
                    var parts = info.FrameRate.Split('/');
                    rate = $"{parts[0]}/{long.Parse(parts[1], CultureInfo.InvariantCulture) * options.Read.Stride}";
                }
                encoder = VideoEncoder.Start(Output, width, height, rate);
            }
            var folder = Output;
            work = Task.Run(async () =>
            {
                await foreach (var (frame, detections, ids) in jobs.Reader.ReadAllAsync().ConfigureAwait(false))
                {
                    var drawn = Draw(frame.Image, detections, ids);
                    if (encoder is not null) encoder.Write(drawn);
                    else ImageIO.Write(Path.Combine(folder, frame.Index.ToString("D6", CultureInfo.InvariantCulture) + ".jpg"), drawn);
                }
            });
            _ = live;
        }

        public string Output { get; }

        public void Add(VideoFrame frame, IReadOnlyList<DetectedObject> detections, IReadOnlyList<int?>? ids, CancellationToken cancel)
        {
            if (work.IsFaulted) work.GetAwaiter().GetResult();
            if (!jobs.Writer.TryWrite((frame, detections, ids))) jobs.Writer.WriteAsync((frame, detections, ids), cancel).AsTask().GetAwaiter().GetResult();
        }

        public void Finish()
        {
            jobs.Writer.TryComplete();
            work.GetAwaiter().GetResult();
            encoder?.Finish();
        }

        public void Abandon()
        {
            jobs.Writer.TryComplete();
            try
            {
                work.Wait();
                encoder?.Finish();
            }
            catch (Exception)
            {
                // The run's own error is the one reported.
            }
        }
    }

    /// <summary>
    /// The frame with each detection's box and "label score" as detect draws images; with tracking, "#id label score" in
    /// the track's colour, and untracked detections (no confirmed track) left out, as trackers' outputs show them.
    /// </summary>
    public static Image Draw(Image image, IReadOnlyList<DetectedObject> detections, IReadOnlyList<int?>? trackIds)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(detections);
        if (trackIds is null) return DetectRunner.Draw(image, detections);
        var drawn = image.Clone();
        for (var i = detections.Count - 1; i >= 0; i--)
        {
            if (trackIds[i] is not { } id) continue;
            var d = detections[i];
            var label = string.Create(CultureInfo.InvariantCulture, $"#{id} {d.Label ?? d.ClassId.ToString(CultureInfo.InvariantCulture)} {d.Score:0.00}");
            drawn.DrawBox(d.Box.XMin, d.Box.YMin, d.Box.XMax, d.Box.YMax, Palette.Of(id - 1), 2, label);
        }
        return drawn;
    }

    private sealed record Decoded(VideoFrame Frame, float[] Input);
}
