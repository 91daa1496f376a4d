using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace SsdLite.Data;

/// <summary>
/// Turns a list of samples into batches of network inputs and encoded targets, with worker threads. Every
/// epoch visits each sample once, in a seeded shuffle; each sample is transformed with a seed derived from
/// (seed, epoch, sample), so batches are the same for any worker count. Batches come in order, at most
/// <see cref="DataLoaderOptions.Prefetch"/> ahead of the consumer, in reused host buffers.
/// A sample whose transform or encoding throws is reported through <see cref="SampleFailed"/> and replaced
/// by the next sample of the epoch's order, so an epoch never stops for one bad file.
/// </summary>
/// <typeparam name="TSample">What the source holds (a <see cref="AnnotatedImage"/> for VOC data).</typeparam>
public sealed class DataLoader<TSample>
{
    private readonly IReadOnlyList<TSample> _samples;
    private readonly SampleTransform<TSample> _transform;
    private readonly TargetEncoder _encoder;
    private readonly Func<TSample, string> _describe;
    private readonly ConcurrentBag<DataBatch> _buffers = [];
    private int _activeWorkers;

    /// <summary>Creates a loader; nothing runs until an epoch is enumerated.</summary>
    /// <param name="samples">The sample source; not modified.</param>
    /// <param name="transform">Loads and augments one sample (thread-safe).</param>
    /// <param name="encoder">Encodes one image's objects against the priors (thread-safe).</param>
    /// <param name="options">Batch size, input size, prior count, workers, seed.</param>
    /// <param name="describe">Names a sample in failure reports; defaults to the image path of a <see cref="AnnotatedImage"/>.</param>
    public DataLoader(IReadOnlyList<TSample> samples, SampleTransform<TSample> transform, TargetEncoder encoder,
        DataLoaderOptions options, Func<TSample, string>? describe = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(transform);
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.Sampler is { } sampler && sampler.Weights.Count != samples.Count)
            throw new ArgumentException($"the sampler was built for {sampler.Weights.Count} samples, the loader has {samples.Count}", nameof(options));
        _samples = samples;
        _transform = transform;
        _encoder = encoder;
        Options = options;
        _describe = describe ?? DescribeDefault;
    }

    /// <summary>
    /// Raised on a worker thread when a sample fails to load, before its replacement is tried. Handlers must
    /// be thread-safe; an exception from a handler ends the epoch.
    /// </summary>
    public event Action<SampleFailure>? SampleFailed;

    /// <summary>The settings.</summary>
    public DataLoaderOptions Options { get; }

    /// <summary>Number of samples in the source.</summary>
    public int SampleCount => _samples.Count;

    /// <summary>Number of batches each epoch yields.</summary>
    public int BatchesPerEpoch =>
        Options.DropLast ? _samples.Count / Options.BatchSize : (_samples.Count + Options.BatchSize - 1) / Options.BatchSize;

    /// <summary>Worker threads currently alive (0 whenever no epoch is being enumerated).</summary>
    public int ActiveWorkers => Volatile.Read(ref _activeWorkers);

    /// <summary>The order in which an epoch visits the sample indices.</summary>
    public int[] EpochOrder(int epoch) => Options.Sampler is { } sampler
        ? sampler.EpochOrder(Options.Seed, epoch)
        : LoaderSeeds.EpochOrder(_samples.Count, Options.Seed, epoch, Options.Shuffle);

    /// <summary>
    /// The batches of one epoch. Workers start at the first <c>MoveNext</c> and stop, joined, when the
    /// enumeration ends, is disposed or is cancelled (which throws <see cref="OperationCanceledException"/>).
    /// </summary>
    public IEnumerable<DataBatch> GetBatches(int epoch, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        return Iterate(epoch, cancellationToken);
    }

    /// <summary>The batches of one epoch, asynchronously; same contract as <see cref="GetBatches"/>.</summary>
    public IAsyncEnumerable<DataBatch> GetBatchesAsync(int epoch, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        return IterateAsync(epoch, cancellationToken);
    }

    internal DataBatch RentBuffer() =>
        _buffers.TryTake(out DataBatch? batch) ? batch : new DataBatch(Options.BatchSize, Options.ImageSize, Options.PriorCount);

    internal void ReturnBuffer(DataBatch batch) => _buffers.Add(batch);

    internal void WorkerStarting() => Interlocked.Increment(ref _activeWorkers);

    internal void WorkerStopped() => Interlocked.Decrement(ref _activeWorkers);

    /// <summary>Fills one batch: positions [index·B, index·B + count) of the epoch's order.</summary>
    internal void FillBatch(DataBatch batch, int epoch, int index, int[] order, CancellationToken cancellationToken)
    {
        int first = index * Options.BatchSize;
        batch.Epoch = epoch;
        batch.Index = index;
        batch.Count = Math.Min(Options.BatchSize, order.Length - first);
        for (int slot = 0; slot < batch.Count; slot++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            LoadSlot(batch, slot, epoch, order, first + slot);
        }
    }

    private void LoadSlot(DataBatch batch, int slot, int epoch, int[] order, int position)
    {
        Exception? last = null;
        for (int attempt = 0; attempt < order.Length; attempt++)
        {
            int sampleIndex = order[(position + attempt) % order.Length];
            ulong seed = Options.Sampler is null
                ? LoaderSeeds.Sample(Options.Seed, epoch, sampleIndex, attempt)
                : LoaderSeeds.Draw(Options.Seed, epoch, position, attempt);
            try
            {
                LoadInto(batch, slot, sampleIndex, seed);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                last = e;
                int next = order[(position + attempt + 1) % order.Length];
                SampleFailed?.Invoke(new SampleFailure(epoch, sampleIndex, _describe(_samples[sampleIndex]), e.Message, e, next));
            }
        }
        throw new InvalidOperationException($"epoch {epoch}: none of the {order.Length} samples loads; last error: {last?.Message}", last);
    }

    private void LoadInto(DataBatch batch, int slot, int sampleIndex, ulong seed)
    {
        SampleTargets targets = _transform(_samples[sampleIndex], seed, batch.ImageOf(slot));
        targets.Validate();
        _encoder(targets.BoxesRelCorner, targets.Labels, targets.Difficult, batch.LocationsOf(slot), batch.LabelsOf(slot));
        batch.SampleIndices[slot] = sampleIndex;
        batch.Seeds[slot] = seed;
    }

    private IEnumerable<DataBatch> Iterate(int epoch, CancellationToken cancellationToken)
    {
        using var run = new DataLoaderEpoch<TSample>(this, epoch, cancellationToken);
        for (int k = 0; k < run.BatchCount; k++)
        {
            yield return run.Take(k);
        }
    }

    private async IAsyncEnumerable<DataBatch> IterateAsync(int epoch, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var run = new DataLoaderEpoch<TSample>(this, epoch, cancellationToken);
        for (int k = 0; k < run.BatchCount; k++)
        {
            yield return await run.TakeAsync(k).ConfigureAwait(false);
        }
    }

    private static string DescribeDefault(TSample sample) =>
        sample is AnnotatedImage voc ? voc.ImagePath : sample?.ToString() ?? "(null sample)";
}
