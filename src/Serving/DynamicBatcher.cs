using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SsdLite.Runtime;

namespace SsdLite.Serving;

/// <summary>
/// Triton's dynamic batching on one bounded channel: request threads enqueue preprocessed images, one per detect
/// request and N per infer request (a full queue is refused at once, never waited on); one worker takes the first
/// waiting request, gathers more until it holds <see cref="ServeOptions.MaxBatch"/> images (a request that would
/// pass it waits for the next batch, whole) or <see cref="ServeOptions.MaxQueueDelayMs"/> has passed, drops those whose
/// deadline passed or whose client left, and runs one ONNX Runtime call for the rest. Post-processing happens back on
/// each request's thread, so the worker only ever runs the network. The run returns every output of the model
/// (<see cref="OnnxDetector.RunAll"/>), so detect and infer requests share one batch.
/// </summary>
internal sealed class DynamicBatcher : IAsyncDisposable, IDisposable
{
    private readonly Channel<InferenceJob> queue;
    private readonly OnnxDetector detector;
    private readonly ServingMetrics metrics;
    private readonly ILogger logger;
    private readonly int maxBatch;
    private readonly TimeSpan maxDelay;
    private readonly float[] batchInput;
    private readonly Task worker;
    private InferenceJob? heldOver; // read, but too many images for the batch it was read into
    private int batchImages;

    public DynamicBatcher(OnnxDetector detector, ServeOptions options, ServingMetrics metrics, ILogger logger)
    {
        this.detector = detector;
        this.metrics = metrics;
        this.logger = logger;
        maxBatch = options.MaxBatch;
        maxDelay = TimeSpan.FromMilliseconds(options.MaxQueueDelayMs);
        batchInput = new float[maxBatch * detector.InputLength];
        queue = Channel.CreateBounded<InferenceJob>(new BoundedChannelOptions(options.QueueLimit)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        worker = Task.Factory.StartNew(RunAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    /// <summary>Queues a job, or returns false at once when the queue is full (the caller answers 503).</summary>
    public bool TryEnqueue(InferenceJob job)
    {
        if (!queue.Writer.TryWrite(job)) return false;
        metrics.Enqueued();
        return true;
    }

    private async Task RunAsync()
    {
        var batch = new List<InferenceJob>(maxBatch);
        var reader = queue.Reader;
        while (heldOver is not null || await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            batchImages = 0;
            await GatherAsync(reader, batch).ConfigureAwait(false);
            if (batch.Count > 0) RunBatch(batch);
        }
    }

    private async Task GatherAsync(ChannelReader<InferenceJob> reader, List<InferenceJob> batch)
    {
        var until = Stopwatch.GetTimestamp() + (long)(maxDelay.TotalSeconds * Stopwatch.Frequency);
        if (heldOver is { } first)
        {
            heldOver = null;
            Admit(first, batch);
        }
        while (batchImages < maxBatch)
        {
            if (reader.TryRead(out var job))
            {
                if (batchImages + job.Images > maxBatch)
                {
                    heldOver = job; // whole requests only: it opens the next batch
                    return;
                }
                Admit(job, batch);
                continue;
            }
            if (batch.Count == 0) return; // everything read so far was dropped: wait for the next arrival afresh
            var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), until);
            if (left <= TimeSpan.Zero || !await WaitAsync(reader, left).ConfigureAwait(false)) return;
        }
    }

    // True when a request arrived within `left`; false when the delay ran out or the queue was closed.
    private static async Task<bool> WaitAsync(ChannelReader<InferenceJob> reader, TimeSpan left)
    {
        using var timeout = new CancellationTokenSource(left);
        try
        {
            return await reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void Admit(InferenceJob job, List<InferenceJob> batch)
    {
        metrics.Dequeued();
        if (job.Aborted.IsCancellationRequested)
        {
            job.ReleaseInput();
            job.Done.TrySetCanceled(job.Aborted);
        }
        else if (Stopwatch.GetTimestamp() > job.Deadline)
        {
            job.ReleaseInput();
            job.Done.TrySetException(new TimeoutException("the request's deadline passed while it waited for the model"));
        }
        else
        {
            var length = job.Images * detector.InputLength;
            job.Input.AsSpan(0, length).CopyTo(batchInput.AsSpan(batchImages * detector.InputLength));
            job.ReleaseInput();
            batch.Add(job);
            batchImages += job.Images;
        }
    }

    private void RunBatch(List<InferenceJob> batch)
    {
        var started = Stopwatch.GetTimestamp();
        IReadOnlyList<NamedTensor> tensors;
        try
        {
            tensors = detector.RunAll(batchInput.AsSpan(0, batchImages * detector.InputLength), batchImages);
        }
        catch (Exception e)
        {
            // One bad batch fails its own requests (500 each) and nothing else: the worker goes on.
            logger.LogError(e, "inference failed for a batch of {Count}", batch.Count);
            foreach (var job in batch) job.Done.TrySetException(e);
            return;
        }
        var inference = Stopwatch.GetElapsedTime(started);
        var raw = RawOf(tensors, batchImages);
        // A batch of warm-up requests alone is not traffic; a client's request that joined one counts at its real size.
        var counted = batch.Where(job => job.Counted).Sum(job => job.Images);
        if (counted > 0)
        {
            metrics.InferenceSeconds.Observe(inference.TotalSeconds);
            metrics.BatchSize.Observe(counted);
        }
        var index = 0;
        foreach (var job in batch)
        {
            var queued = Stopwatch.GetElapsedTime(job.EnqueuedAt, started);
            job.Done.TrySetResult(new BatchSlot(tensors, raw, index, job.Images, batchImages, queued.TotalMilliseconds, inference.TotalMilliseconds));
            index += job.Images;
        }
    }

    // The scores and boxes detect post-processes, sharing the run's arrays; null for a model without both.
    private RawPredictions? RawOf(IReadOnlyList<NamedTensor> tensors, int images)
    {
        var scores = tensors.FirstOrDefault(t => t.Name == OnnxConventions.ScoresName);
        var boxes = tensors.FirstOrDefault(t => t.Name == OnnxConventions.BoxesName);
        if (scores is not { Data: float[] s, Shape: [_, var priors, _] } || boxes is not { Data: float[] b }) return null;
        return new RawPredictions(images, checked((int)priors), detector.ClassCountWithBackground, s, b);
    }

    /// <summary>Closes the queue; requests already in it are still answered before this returns.</summary>
    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await worker.ConfigureAwait(false);
    }

    /// <summary>As <see cref="DisposeAsync"/>, for a container disposed synchronously.</summary>
    public void Dispose()
    {
        queue.Writer.TryComplete();
        worker.GetAwaiter().GetResult();
    }
}
