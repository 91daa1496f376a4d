using System.Buffers;
using System.Diagnostics;

namespace SsdLite.Serving;

/// <summary>
/// One request's images on their way through the batching queue: their preprocessed input (rented from the shared
/// pool; the worker returns it once copied into a batch or dropped), its deadline, and the answer the request awaits.
/// A detect request brings one image; an infer request the N of its input tensor, which stay together in one batch.
/// </summary>
internal sealed class InferenceJob
{
    public InferenceJob(float[] input, long deadline, CancellationToken aborted, bool counted = true, int images = 1)
    {
        Input = input;
        Images = images;
        Deadline = deadline;
        Aborted = aborted;
        Counted = counted;
        EnqueuedAt = Stopwatch.GetTimestamp();
    }

    /// <summary>False for the start-up warm-up's requests, which the metrics leave out.</summary>
    public bool Counted { get; }

    /// <summary>Images in <see cref="Input"/>, one after the other.</summary>
    public int Images { get; }

    /// <summary>The normalised images; owned by the worker once enqueued.</summary>
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
