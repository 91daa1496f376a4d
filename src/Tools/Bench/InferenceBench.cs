using SsdLite.Detection;
using SsdLite.Detection.Models;

namespace SsdLite.Tools.Bench;

/// <summary>
/// Forward latency in eval mode under no_grad, one dispose scope per call (as the detector runs it): the model as
/// trained and its BatchNorm-folded copy in NCHW, and the folded copy in channels last (what the detector runs on the
/// CPU), interleaved call by call.
/// </summary>
public static class InferenceBench
{
    public static IEnumerable<Measurement> Run(BenchSettings settings)
    {
        torch.manual_seed(1);
        using var model = BenchModels.Create(settings);
        model.eval();
        using var folded = BatchNormFolding.Fold(model);
        using var nhwc = BatchNormFolding.Fold(model);
        nhwc.to(MemoryFormat.ChannelsLast);
        var results = new List<Measurement>();
        foreach (var batch in settings.InferenceBatchSizes) results.AddRange(RunBatch(settings, model, folded, nhwc, batch));
        return results;
    }

    private static IEnumerable<Measurement> RunBatch(BenchSettings settings, SsdLiteModel model, FoldedSsdLiteModel folded,
        FoldedSsdLiteModel nhwc, int batch)
    {
        using var input = BenchModels.Input(batch, settings.InputSize);
        using var nhwcInput = input.contiguous(MemoryFormat.ChannelsLast);
        var samples = Sampler.Interleave(
            [() => Forward(model, input), () => Forward(folded, input), () => Forward(nhwc, nhwcInput)], settings.Warmup, settings.Iterations);
        var ratio = samples[0].Zip(samples[1], (eager, f) => eager / f).ToList();
        var layoutRatio = samples[1].Zip(samples[2], (nchw, cl) => nchw / cl).ToList();
        var size = $"{settings.InputSize}x{settings.InputSize}";
        return
        [
            Measurement.FromSamples("inference", $"batch {batch}, {size}, BatchNorm", samples[0], "ms", batch),
            Measurement.FromSamples("inference", $"batch {batch}, {size}, folded", samples[1], "ms", batch),
            Measurement.FromSamples("inference", $"batch {batch}, folding speed-up (x)", ratio, "x", 0),
            Measurement.FromSamples("inference", $"batch {batch}, {size}, folded, channels last", samples[2], "ms", batch),
            Measurement.FromSamples("inference", $"batch {batch}, channels-last speed-up (x)", layoutRatio, "x", 0),
        ];
    }

    private static void Forward(nn.Module<Tensor, HeadOutputs> model, Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        using var outputs = model.forward(input);
    }
}
