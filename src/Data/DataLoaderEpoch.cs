using System.Collections.Concurrent;

namespace SsdLite.Data;

/// <summary>
/// One epoch of a <see cref="DataLoader{TSample}"/> in flight. Workers claim batch indices in increasing
/// order, each only after taking one of <c>Prefetch</c> slots, so at most that many batches are claimed but
/// not yet handed back; the consumer waits for batch k, which is always among those claimed, so batches come
/// out in order without deadlock. Handing a batch's buffer back frees its slot.
/// </summary>
internal sealed class DataLoaderEpoch<TSample> : IDisposable
{
    private readonly DataLoader<TSample> _loader;
    private readonly int _epoch;
    private readonly int[] _order;
    private readonly CancellationTokenSource _stop;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<DataBatch>> _ready = new();
    private readonly Thread[] _workers;
    private int _lastClaimed = -1;
    private DataBatch? _held;

    public DataLoaderEpoch(DataLoader<TSample> loader, int epoch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _loader = loader;
        _epoch = epoch;
        _order = loader.EpochOrder(epoch);
        BatchCount = loader.BatchesPerEpoch;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _slots = new SemaphoreSlim(loader.Options.Prefetch);
        _workers = new Thread[Math.Min(loader.Options.Workers, Math.Max(BatchCount, 1))];
        StartWorkers();
    }

    public int BatchCount { get; }

    public DataBatch Take(int index) => TakeAsync(index).AsTask().GetAwaiter().GetResult();

    public async ValueTask<DataBatch> TakeAsync(int index)
    {
        ReturnHeld();
        // A batch already assembled is not handed out once the consumer has asked to stop.
        _stop.Token.ThrowIfCancellationRequested();
        DataBatch batch = await SlotOf(index).Task.WaitAsync(_stop.Token).ConfigureAwait(false);
        _ready.TryRemove(index, out _);
        _held = batch;
        return batch;
    }

    public void Dispose()
    {
        _stop.Cancel();
        // Joining here is what guarantees no worker outlives the enumeration.
        foreach (Thread worker in _workers)
        {
            worker.Join();
        }
        ReturnHeld();
        foreach (var pending in _ready.Values)
        {
            if (pending.Task.IsCompletedSuccessfully)
            {
                _loader.ReturnBuffer(pending.Task.Result);
            }
        }
        _stop.Dispose();
        _slots.Dispose();
    }

    private void StartWorkers()
    {
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new Thread(Work) { IsBackground = true, Name = $"ssdlite-loader-{i}" };
            _loader.WorkerStarting();
            _workers[i].Start();
        }
    }

    private void Work()
    {
        try
        {
            while (TryClaim(out int index))
            {
                if (!Assemble(index))
                {
                    return;
                }
            }
        }
        finally
        {
            _loader.WorkerStopped();
        }
    }

    private bool TryClaim(out int index)
    {
        index = -1;
        try
        {
            _slots.Wait(_stop.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        index = Interlocked.Increment(ref _lastClaimed);
        if (index >= BatchCount)
        {
            _slots.Release();
            return false;
        }
        return true;
    }

    private bool Assemble(int index)
    {
        TaskCompletionSource<DataBatch> slot = SlotOf(index);
        DataBatch batch = _loader.RentBuffer();
        try
        {
            _loader.FillBatch(batch, _epoch, index, _order, _stop.Token);
            slot.TrySetResult(batch);
            return true;
        }
        catch (OperationCanceledException)
        {
            _loader.ReturnBuffer(batch);
            slot.TrySetCanceled();
            return false;
        }
        catch (Exception e)
        {
            // Only a whole source that fails, or a failing event handler, gets here; the consumer sees it at this batch.
            _loader.ReturnBuffer(batch);
            slot.TrySetException(e);
            return false;
        }
    }

    private TaskCompletionSource<DataBatch> SlotOf(int index) =>
        _ready.GetOrAdd(index, _ => new TaskCompletionSource<DataBatch>(TaskCreationOptions.RunContinuationsAsynchronously));

    private void ReturnHeld()
    {
        if (_held is { } held)
        {
            _held = null;
            _loader.ReturnBuffer(held);
            _slots.Release();
        }
    }
}
