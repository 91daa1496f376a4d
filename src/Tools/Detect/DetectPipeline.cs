using System.Runtime.ExceptionServices;
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
/// Runs a detector over image files at scale. Worker threads decode and transform the images ahead of the network
/// (and draw finished ones), while the calling thread runs the network batch by batch and hands each result to the
/// caller, in input order. A batch always holds the next <see cref="DetectPipelineOptions.BatchSize"/> readable
/// images, whatever the worker count and wherever unreadable ones fall, so the results are the same for any worker
/// count and equal those of a run over the readable images alone. At most a fixed number of images are decoded
/// ahead or waiting to be drawn, so memory does not grow with the number of images.
/// </summary>
public sealed class DetectPipeline
{
    private readonly IObjectDetector detector;
    private readonly IReadOnlyList<string> files;
    private readonly DetectPipelineOptions options;
    private readonly object gate = new();

    // Decoded images wait in a ring indexed by input position: a worker may take image i only while
    // i < consumed + ring.Length, so its slot has been emptied by the time it fills it.
    private readonly Decoded?[] ring;
    private readonly Queue<DrawJob> drawQueue = new();
    private readonly int drawCapacity;
    private readonly Stack<float[]> buffers = new();
    private readonly DrawNames? drawNames;
    private int nextToDecode;
    private int consumed;
    private bool networkDone;
    private bool stopping;
    private Exception? fatal;

    private DetectPipeline(IObjectDetector detector, IReadOnlyList<string> files, DetectPipelineOptions options)
    {
        this.detector = detector;
        this.files = files;
        this.options = options;
        ring = new Decoded?[2 * options.BatchSize + options.Workers];
        drawCapacity = options.BatchSize + 2 * options.Workers;
        if (options.DrawTo is not null) drawNames = new DrawNames(options.DrawTo);
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
        var workers = Enumerable.Range(0, options.Workers)
            .Select(k => new Thread(Work) { IsBackground = true, Name = $"detect worker {k}" }).ToList();
        foreach (var w in workers) w.Start();
        ImageException? strictError;
        try
        {
            strictError = RunNetwork(emit, cancel);
            lock (gate)
            {
                // Nothing more to decode (a strict run may end early); the workers finish the drawings and leave.
                nextToDecode = files.Count;
                networkDone = true;
                Monitor.PulseAll(gate);
            }
        }
        catch
        {
            Stop(null);
            throw;
        }
        finally
        {
            foreach (var w in workers) w.Join();
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
            var item = Take(index);
            if (item.Error is not null && options.Strict)
            {
                Flush(chunk, input, emit);
                return item.Error;
            }
            chunk.Add(item);
            if (item.Error is null && ++readable == options.BatchSize)
            {
                Flush(chunk, input, emit);
                readable = 0;
            }
        }
        Flush(chunk, input, emit);
        return null;
    }

    /// <summary>Runs the network on the chunk's readable images, then emits every entry of the chunk in order.</summary>
    private void Flush(List<Decoded> chunk, float[] input, Action<ImageDetections> emit)
    {
        var readable = chunk.Where(d => d.Error is null).ToList();
        var length = detector.InputLength;
        for (var i = 0; i < readable.Count; i++) readable[i].Input!.AsSpan(0, length).CopyTo(input.AsSpan(i * length, length));
        lock (gate)
        {
            foreach (var d in readable) buffers.Push(d.Input!);
        }
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
            if (drawNames is not null) QueueDrawing(new DrawJob(d.Image!, detections, drawNames.For(d.Path)));
        }
        chunk.Clear();
    }

    /// <summary>The decoded image at <paramref name="index"/>, once a worker has it; frees its place for the next.</summary>
    private Decoded Take(int index)
    {
        lock (gate)
        {
            var slot = index % ring.Length;
            while (ring[slot] is null)
            {
                if (stopping) ExceptionDispatchInfo.Throw(fatal ?? new OperationCanceledException());
                Monitor.Wait(gate);
            }
            var item = ring[slot]!;
            ring[slot] = null;
            consumed++;
            Monitor.PulseAll(gate);
            return item;
        }
    }

    private void QueueDrawing(DrawJob job)
    {
        lock (gate)
        {
            while (drawQueue.Count >= drawCapacity && !stopping) Monitor.Wait(gate);
            if (stopping) ExceptionDispatchInfo.Throw(fatal ?? new OperationCanceledException());
            drawQueue.Enqueue(job);
            Monitor.PulseAll(gate);
        }
    }

    /// <summary>A worker: draws what waits to be drawn first (it holds memory), else decodes the next image.</summary>
    private void Work()
    {
        while (true)
        {
            DrawJob? draw = null;
            var index = -1;
            float[]? buffer = null;
            lock (gate)
            {
                while (true)
                {
                    if (stopping) return;
                    if (drawQueue.Count > 0)
                    {
                        draw = drawQueue.Dequeue();
                        Monitor.PulseAll(gate);
                        break;
                    }
                    if (nextToDecode < files.Count && nextToDecode < consumed + ring.Length)
                    {
                        index = nextToDecode++;
                        buffer = buffers.Count > 0 ? buffers.Pop() : null;
                        break;
                    }
                    if (networkDone) return;
                    Monitor.Wait(gate);
                }
            }
            try
            {
                if (draw is not null) ImageIO.Write(draw.Path, DetectRunner.Draw(draw.Image, draw.Detections));
                else Put(index, Decode(index, buffer ?? new float[detector.InputLength]));
            }
            catch (Exception e)
            {
                Stop(e);
                return;
            }
        }
    }

    private Decoded Decode(int index, float[] buffer)
    {
        var path = files[index];
        Image image;
        try
        {
            image = ImageIO.Read(path);
        }
        catch (ImageException e)
        {
            lock (gate) buffers.Push(buffer);
            return new Decoded(path, null, 0, 0, null, e);
        }
        detector.Preprocess(image, buffer);
        // Without drawing only the size is needed any more; the pixels go now rather than after the batch.
        return new Decoded(path, drawNames is null ? null : image, image.Width, image.Height, buffer, null);
    }

    private void Put(int index, Decoded item)
    {
        lock (gate)
        {
            ring[index % ring.Length] = item;
            Monitor.PulseAll(gate);
        }
    }

    private void Stop(Exception? error)
    {
        lock (gate)
        {
            fatal ??= error;
            stopping = true;
            Monitor.PulseAll(gate);
        }
    }

    private sealed record Decoded(string Path, Image? Image, int Width, int Height, float[]? Input, ImageException? Error);

    private sealed record DrawJob(Image Image, IReadOnlyList<DetectedObject> Detections, string Path);
}
