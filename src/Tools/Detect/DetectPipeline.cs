using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using SsdLite.Detection;
using SsdLite.Runtime;
using SsdLite.Vision;

namespace SsdLite.Tools.Detect;

/// <summary>How a <see cref="DetectPipeline"/> runs.</summary>
public sealed record DetectPipelineOptions
{
    /// <summary>Threads that decode and transform images (and draw them, with <see cref="DrawTo"/>) while the network runs.</summary>
    public int Workers { get; init; } = 2;

    /// <summary>Images per forward pass.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Folder for the images with their detections drawn, or null.</summary>
    public string? DrawTo { get; init; }

    /// <summary>Stop at the first image that cannot be read (an <see cref="ImageException"/>) instead of reporting it and going on.</summary>
    public bool Strict { get; init; }

    public void Validate()
    {
        if (Workers < 1) throw new ArgumentException($"--workers must be at least 1, got {Workers}");
        if (BatchSize < 1) throw new ArgumentException($"--batch-size must be at least 1, got {BatchSize}");
    }
}

/// <summary>
/// Runs a detector over image files at scale. Worker tasks decode and transform the images ahead of the network
/// (and draw finished ones), while the calling thread runs the network batch by batch and hands each result to the
/// caller, in input order. A batch always holds the next <see cref="DetectPipelineOptions.BatchSize"/> readable
/// images, whatever the worker count and wherever unreadable ones fall, so the results are the same for any worker
/// count and equal those of a run over the readable images alone. At most a fixed number of images are decoded
/// ahead or waiting to be drawn, so memory does not grow with the number of images.
/// </summary>
/// <remarks>
/// The stages meet in System.Threading.Channels, as serve's batcher does: the network thread hands positions to the
/// workers through one channel, never more than <see cref="lookAhead"/> beyond the image it is waiting for, and keeps
/// their order itself; finished images go back to the workers through a bounded channel to be drawn.
/// </remarks>
public sealed class DetectPipeline
{
    private readonly IObjectDetector detector;
    private readonly IReadOnlyList<string> files;
    private readonly DetectPipelineOptions options;

    // Positions handed to the workers and not yet taken by the network, in input order.
    private readonly Queue<Pending> issued = new();
    private readonly int lookAhead;
    private readonly Channel<Pending> toDecode = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly Channel<DrawJob>? toDraw;
    private readonly ConcurrentBag<float[]> buffers = [];
    private readonly CancellationTokenSource stop = new();
    private readonly DrawNames? drawNames;
    private int nextToIssue;
    private volatile bool networkDone;
    private Exception? fatal;

    private DetectPipeline(IObjectDetector detector, IReadOnlyList<string> files, DetectPipelineOptions options)
    {
        this.detector = detector;
        this.files = files;
        this.options = options;
        lookAhead = 2 * options.BatchSize + options.Workers;
        if (options.DrawTo is null) return;
        drawNames = new DrawNames(options.DrawTo);
        toDraw = Channel.CreateBounded<DrawJob>(new BoundedChannelOptions(options.BatchSize + 2 * options.Workers)
        {
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>
    /// Detects objects in each file and passes every entry to <paramref name="emit"/> on the calling thread, in the
    /// order of <paramref name="files"/>; an unreadable image gives an entry with its error (or, with
    /// <see cref="DetectPipelineOptions.Strict"/>, ends the run with its <see cref="ImageException"/> once the
    /// images before it are emitted). Drawn images are written before this returns.
    /// </summary>
    public static void Run(IObjectDetector detector, IReadOnlyList<string> files, DetectPipelineOptions options, Action<ImageDetections> emit,
        CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(emit);
        options.Validate();
        if (options.DrawTo is not null) Directory.CreateDirectory(options.DrawTo);
        new DetectPipeline(detector, files, options).Run(emit, cancel);
    }

    private void Run(Action<ImageDetections> emit, CancellationToken cancel)
    {
        using var waits = CancellationTokenSource.CreateLinkedTokenSource(cancel, stop.Token);
        var workers = Enumerable.Range(0, options.Workers).Select(_ => Task.Run(() => WorkAsync(stop.Token))).ToArray();
        ImageException? strictError;
        try
        {
            strictError = RunNetwork(emit, waits.Token);
        }
        catch (Exception e)
        {
            stop.Cancel();
            // A worker that failed stopped the network's waits: its error is the run's.
            if (e is OperationCanceledException && fatal is not null) ExceptionDispatchInfo.Throw(fatal);
            throw;
        }
        finally
        {
            // Nothing more to decode (a strict run may end early); the workers finish the drawings and leave.
            networkDone = true;
            toDecode.Writer.TryComplete();
            toDraw?.Writer.TryComplete();
            Task.WaitAll(workers);
        }
        // A drawing that failed ends the run: the output folder is at fault, not one image.
        if (fatal is not null) ExceptionDispatchInfo.Throw(fatal);
        if (strictError is not null) throw strictError;
    }

    /// <summary>Batches and runs the network until the end, or until the first unreadable image of a strict run, which it returns.</summary>
    private ImageException? RunNetwork(Action<ImageDetections> emit, CancellationToken cancel)
    {
        var chunk = new List<Decoded>();
        var readable = 0;
        var input = new float[options.BatchSize * detector.InputLength];
        for (var index = 0; index < files.Count; index++)
        {
            cancel.ThrowIfCancellationRequested();
            var item = TakeNext(cancel);
            if (item.Error is not null && options.Strict)
            {
                Flush(chunk, input, emit, cancel);
                return item.Error;
            }
            chunk.Add(item);
            if (item.Error is null && ++readable == options.BatchSize)
            {
                Flush(chunk, input, emit, cancel);
                readable = 0;
            }
        }
        Flush(chunk, input, emit, cancel);
        return null;
    }

    /// <summary>Runs the network on the chunk's readable images, then emits every entry of the chunk in order.</summary>
    private void Flush(List<Decoded> chunk, float[] input, Action<ImageDetections> emit, CancellationToken cancel)
    {
        var readable = chunk.Where(d => d.Error is null).ToList();
        var length = detector.InputLength;
        for (var i = 0; i < readable.Count; i++) readable[i].Input!.AsSpan(0, length).CopyTo(input.AsSpan(i * length, length));
        foreach (var d in readable) buffers.Add(d.Input!);
        var found = detector.Detect(input.AsSpan(0, readable.Count * length), readable.Select(d => (d.Width, d.Height)).ToList());
        var next = 0;
        foreach (var d in chunk)
        {
            if (d.Error is { } error)
            {
                emit(ImageDetections.Unreadable(d.Path, error.Message));
                continue;
            }
            var detections = found[next++];
            emit(new ImageDetections(d.Path, d.Width, d.Height, detections));
            if (toDraw is not null) QueueDrawing(new DrawJob(d.Image!, detections, drawNames!.For(d.Path)), cancel);
        }
        chunk.Clear();
    }

    /// <summary>
    /// The next image in input order, once a worker has decoded it. Before waiting, the workers are handed every
    /// position up to <see cref="lookAhead"/> ahead: that bound, not the worker count, caps the images in memory.
    /// </summary>
    private Decoded TakeNext(CancellationToken cancel)
    {
        while (nextToIssue < files.Count && issued.Count < lookAhead)
        {
            var pending = new Pending(files[nextToIssue++]);
            issued.Enqueue(pending);
            toDecode.Writer.TryWrite(pending);
        }
        var next = issued.Dequeue().Done.Task;
        next.Wait(cancel);
        return next.Result;
    }

    private void QueueDrawing(DrawJob job, CancellationToken cancel)
    {
        if (!toDraw!.Writer.TryWrite(job)) toDraw.Writer.WriteAsync(job, cancel).AsTask().GetAwaiter().GetResult();
    }

    /// <summary>A worker: draws what waits to be drawn first (it holds memory), else decodes the next position.</summary>
    private async Task WorkAsync(CancellationToken token)
    {
        var decodeOpen = true;
        var drawOpen = toDraw is not null;
        Task<bool>? decodeReady = null, drawReady = null;
        try
        {
            while (decodeOpen || drawOpen)
            {
                if (toDraw is not null && toDraw.Reader.TryRead(out var job))
                {
                    ImageIO.Write(job.Path, DetectRunner.Draw(job.Image, job.Detections));
                    continue;
                }
                if (toDecode.Reader.TryRead(out var pending))
                {
                    Decode(pending);
                    continue;
                }
                // One wait per channel at a time, kept across turns, so an idle channel does not gather waiters.
                if (decodeOpen) decodeReady ??= toDecode.Reader.WaitToReadAsync(token).AsTask();
                if (drawOpen) drawReady ??= toDraw!.Reader.WaitToReadAsync(token).AsTask();
                await Task.WhenAny(new[] { decodeReady, drawReady }.OfType<Task<bool>>()).ConfigureAwait(false);
                if (decodeReady is { IsCompleted: true })
                {
                    decodeOpen = await decodeReady.ConfigureAwait(false);
                    decodeReady = null;
                }
                if (drawReady is { IsCompleted: true })
                {
                    drawOpen = await drawReady.ConfigureAwait(false);
                    drawReady = null;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped: the network thread reports why.
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref fatal, e, null);
            stop.Cancel();
        }
    }

    private void Decode(Pending pending)
    {
        if (networkDone) return; // a strict run ended before this position: nobody waits for it
        var buffer = buffers.TryTake(out var free) ? free : new float[detector.InputLength];
        Image image;
        try
        {
            image = ImageIO.Read(pending.Path);
        }
        catch (ImageException e)
        {
            buffers.Add(buffer);
            pending.Done.SetResult(new Decoded(pending.Path, null, 0, 0, null, e));
            return;
        }
        detector.Preprocess(image, buffer);
        // Without drawing only the size is needed any more; the pixels go now rather than after the batch.
        pending.Done.SetResult(new Decoded(pending.Path, drawNames is null ? null : image, image.Width, image.Height, buffer, null));
    }

    /// <summary>A position handed to the workers, and the decode that fills it.</summary>
    private sealed class Pending(string path)
    {
        public string Path { get; } = path;

        public TaskCompletionSource<Decoded> Done { get; } = new();
    }

    private sealed record Decoded(string Path, Image? Image, int Width, int Height, float[]? Input, ImageException? Error);

    private sealed record DrawJob(Image Image, IReadOnlyList<DetectedObject> Detections, string Path);
}
