using SsdLite.Detection;
using SsdLite.Detection.Models;

namespace SsdLite.Tools.Bench;

/// <summary>
/// One training step on synthetic data (random labels and encoded boxes): zero_grad, forward, MultiBox loss with
/// 3:1 hard negative mining, backward, SGD with momentum, all inside one dispose scope. Each batch size runs in
/// NCHW and in channels last (what the trainer uses on the CPU), so one run gives the ratio.
/// </summary>
public static class TrainBench
{
    public static IEnumerable<Measurement> Run(BenchSettings settings)
    {
        var results = new List<Measurement>();
        foreach (var batch in settings.TrainBatchSizes)
        {
            results.Add(RunBatch(settings, batch, MemoryFormat.Contiguous));
            results.Add(RunBatch(settings, batch, MemoryFormat.ChannelsLast));
        }
        return results;
    }

    private static Measurement RunBatch(BenchSettings settings, int batch, MemoryFormat layout)
    {
        torch.manual_seed(2);
        using var model = BenchModels.Create(settings);
        model.train();
        model.to(layout);
        using var optimizer = optim.SGD(model.parameters(), 0.01, momentum: 0.9, weight_decay: 5e-4);
        var loss = new MultiBoxLoss();
        var priors = model.Config.GeneratePriors().Length / 4;
        using var nchw = BenchModels.Input(batch, settings.InputSize);
        using var input = nchw.contiguous(layout);
        var (labels, locations) = BenchModels.Targets(batch, priors, settings.NumClasses, seed: 3);
        using (labels)
        using (locations)
        {
            var samples = Sampler.Repeat(() => Step(model, optimizer, loss, input, labels, locations), settings.Warmup, settings.Iterations);
            return Measurement.FromSamples("train", $"step, batch {batch}, {settings.InputSize}x{settings.InputSize}{(layout == MemoryFormat.ChannelsLast ? ", channels last" : "")}", samples, "ms", batch);
        }
    }

    private static void Step(SsdLiteModel model, SGD optimizer, MultiBoxLoss loss, Tensor input, Tensor labels, Tensor locations)
    {
        using var scope = torch.NewDisposeScope();
        optimizer.zero_grad();
        var outputs = model.forward(input);
        var parts = loss.Compute(outputs.Confidences, outputs.Locations, labels, locations);
        parts.Total().backward();
        optimizer.step();
    }
}
