using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using VirtCompliance.Assessments;
using VirtCompliance.Firewall;
using Inv = VirtCompliance.Model.Inventory;

namespace VirtCompliance.Bench
{
    /// <summary>Compiling a CDE segmentation policy for every protected VM of a synthetic inventory.</summary>
    public static class FirewallBench
    {
        /// <summary>The synthetic inventory's workloads: pay-db, pay-app and pay-web in the CDE, shared services connected.</summary>
        private const string PolicyText = @"
name: bench-cde
failureMode: closed
defaults: { inbound: drop, outbound: allow }
groups:
  cde-db: { scope: cde, name: 'pay-db-*' }
  cde-app: { scope: cde, name: 'pay-app-*' }
  web: { name: ['pay-web-*', 'dmz-web-*'] }
  shared: { scope: connected, name: 'shared-svc-*' }
  admin: { cidrs: [10.250.0.0/24] }
rules:
  - { name: web-to-app, from: web, to: cde-app, protocol: tcp, ports: [443], action: allow }
  - { name: app-to-db, from: cde-app, to: cde-db, protocol: tcp, ports: [1433, 5432], action: allow }
  - { name: shared-to-cde-app, from: shared, to: cde-app, protocol: udp, ports: [53, 123, 161], action: allow }
  - { name: admin-ssh-db, from: admin, to: cde-db, protocol: tcp, ports: [22], action: allow, log: true }
";

        public static FirewallPolicy Policy() => PolicyReader.Parse(new MemoryStream(Encoding.UTF8.GetBytes(PolicyText)), "bench.policy.yaml");

        /// <summary>Time to compile and plan (as Invoke-VmFirewallPolicy -WhatIf does), protected VMs, distinct rulesets (VMs alike share one), and the most rules one port gets.</summary>
        public static (double ms, int vms, int rulesets, int maxRules) Compile(Inv inventory, FirewallPolicy policy)
        {
            var clock = Stopwatch.StartNew();
            var result = Assessment.FirewallPlan(inventory, new AssessmentOptions { Policy = policy });
            var compiled = result.Compiled;
            var plan = result.Ports;
            var ms = clock.Elapsed.TotalMilliseconds;
            if (plan.Count == 0) throw new System.InvalidOperationException("The benchmark policy planned nothing.");
            var filters = compiled.Vms.Select(v => v.Filter).Distinct().ToArray();
            return (ms, compiled.Vms.Count, filters.Length, filters.Select(f => f.Rules.Count).DefaultIfEmpty(0).Max());
        }
    }
}
