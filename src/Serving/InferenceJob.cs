using System.Buffers;
using System.Diagnostics;

namespace SsdLite.Serving;

/// <summary>
/// One image on its way through the batching queue: its preprocessed input (rented from the shared pool; the worker
/// returns it once copied into a batch or dropped), its deadline, and the answer the request awaits.
/// </summary>
internal sealed class InferenceJob
{
    public InferenceJob(float[] input, long deadline, CancellationToken aborted, bool counted = true)
    {
        Input = input;
        Deadline = deadline;
        Aborted = aborted;
        Counted = counted;
        EnqueuedAt = Stopwatch.GetTimestamp();
    }

    /// <summary>False for the start-up warm-up's requests, which the metrics leave out.</summary>
    public bool Counted { get; }

    /// <summary>The normalised image; owned by the worker once enqueued.</summary>
    public float[] Input { get; private set; }

    /// <summary>Stopwatch timestamp after which nobody waits for the answer.</summary>
    public long Deadline { get; }

    /// <summary>The client went away.</summary>
    public CancellationToken Aborted { get; }

    public long EnqueuedAt { get; }

    /// <summary>Completed by the worker, continuations off its thread so that post-processing never holds it.</summary>
    public TaskCompletionSource<BatchSlot> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Hands the input back to the pool (once; later calls do nothing).</summary>
    public void ReleaseInput()
    {
        var input = Input;
        if (input.Length == 0) return;
        Input = [];
        ArrayPool<float>.Shared.Return(input);
    }
}
