using SsdLite.Core;
using SsdLite.Detection;
using SsdLite.Detection.Models;
using SsdLite.Platform.Checkpoints;
using SsdLite.Tools.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SsdLite.Tools.Tests;

public sealed class PretrainedTests
{
    private const string Heads = "classification_headers.";

    [Fact]
    public void AnotherClassCountLoadsAllButTheClassificationHeadsAndSaysSo()
    {
        using var folder = new TempFolder("pretrained");
        torch.manual_seed(3);
        var sourceConfig = new SsdLiteConfig(new[] { "a", "b" }, 0.35, 96);
        using var source = new SsdLiteModel(sourceConfig);
        var path = folder["source.ckpt"];
        Checkpoint.Save(path,
            source.state_dict().Select(kv => new KeyValuePair<string, Tensor>(ModelWeights.ModelPrefix + kv.Key, kv.Value)),
            new Dictionary<string, string> { [ModelWeights.ConfigKey] = sourceConfig.ToJson() });

        torch.manual_seed(4);
        using var target = new SsdLiteModel(new SsdLiteConfig(new[] { "a", "b", "c", "d" }, 0.35, 96));
        var messages = new List<string>();
        PretrainedWeights.Load(target, path, messages.Add);

        var expected = source.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value);
        foreach (var (key, value) in target.state_dict())
        {
            if (key.StartsWith(Heads, StringComparison.Ordinal)) continue;
            Assert.Equal(TensorBytes.Read(expected[key]), TensorBytes.Read(value));
        }
        // The last classification conv now predicts 6 anchors x (4 classes + background), freshly initialised.
        var lastBias = target.state_dict().Single(kv => kv.Key == Heads + "5.bias").Value;
        Assert.Equal(new long[] { 30 }, lastBias.shape);
        Assert.All(lastBias.data<float>(), v => Assert.Equal(0f, v));
        Assert.Contains(messages, m => m.Contains("classification heads", StringComparison.Ordinal));
    }
}
