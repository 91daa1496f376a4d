using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SsdLite.Platform.Tests.Engine;

[Collection("Serial")]
public class MemoryTests
{
    private sealed class SmallNet : nn.Module<Tensor, Tensor>
    {
        private readonly Sequential body;

        public SmallNet() : base(nameof(SmallNet))
        {
            body = nn.Sequential(
                nn.Conv2d(3, 8, 3, padding: 1, bias: false), nn.BatchNorm2d(8), nn.ReLU6(),
                nn.Conv2d(8, 8, 3, stride: 2, padding: 1, groups: 8), nn.ReLU6(),
                nn.Conv2d(8, 4, 1));
            register_module("body", body);
        }

        public override Tensor forward(Tensor input) => body.forward(input);
    }

    private static long ResidentBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
        throw new InvalidOperationException("no VmRSS in /proc/self/status");
    }

    [Fact]
    public void ResidentMemoryStaysFlatOverTwentyThousandSteps()
    {
        using var net = new SmallNet();
        using var opt = torch.optim.SGD(net.parameters(), 0.01, momentum: 0.9);
        torch.manual_seed(1);
        using var x = torch.randn(4, 3, 16, 16);
        using var target = torch.randn(4, 4, 8, 8);
        long afterWarmup = 0;
        for (var i = 1; i <= 20_000; i++)
        {
            using (torch.NewDisposeScope())
            {
                opt.zero_grad();
                var loss = F.mse_loss(net.call(x), target);
                loss.backward();
                opt.step();
            }
            if (i == 1_000)
            {
                GC.Collect();
                afterWarmup = ResidentBytes();
            }
        }
        GC.Collect();
        var growth = ResidentBytes() - afterWarmup;
        Assert.True(growth < 50L * 1024 * 1024, $"resident memory grew by {growth / (1024 * 1024.0):F1} MB after step 1000");
    }
}
