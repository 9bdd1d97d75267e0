using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json.Linq;
using VirtCompliance.Controls;
using VirtCompliance.Model;
using VirtCompliance.Repair;
using VirtCompliance.Vim.Collector;
using VirtCompliance.Vim.Soap;
using Inv = VirtCompliance.Model.Inventory;

namespace VirtCompliance.Vim.Repair
{
    /// <summary>What a repair may do beyond the catalog's fixes.</summary>
    public sealed class RepairOptions
    {
        /// <summary>Enable lockdown mode (it can lock every administrator out of the host).</summary>
        public bool Force { get; set; }
        /// <summary>The networks (CIDR) and addresses an open firewall ruleset is restricted to; null: open rulesets are not restricted.</summary>
        public IReadOnlyList<string>? AllowedNetworks { get; set; }
    }

    /// <summary>
    /// Plans and applies control repairs of hosts, VMs, distributed switches and portgroups, and standard
    /// vSwitches and portgroups: from a fresh read, each (object, control) that fails gets one
    /// <see cref="ControlRepair"/> saying what changes from what to what, or why it is not changed (the
    /// catalog's fix says how). Applying writes each object's changes together (one UpdateOptions for all of
    /// a host's advanced options, one reconfiguration per VM or portgroup), then the caller reads again to verify.
    /// </summary>
    public static class RepairEngine
    {
        /// <summary>
        /// The repairs of the given (host, control) pairs that fail in <paramref name="inventory"/>: Planned with
        /// the step to take and the step that undoes it, or Skipped with the reason (refused, needs -Force,
        /// passes already, not on this server, changed since it was read).
        /// </summary>
        public static IReadOnlyList<(ControlRepair repair, RepairStep? step)> Plan(Inv inventory, Baseline baseline,
            IEnumerable<(string hostId, string controlId, string? actualWhenRead)> wanted, RepairOptions options) =>
            Plan(inventory, baseline, ControlScope.Host, wanted, options);

        /// <summary>The same for VMs (<see cref="ControlScope.Vm"/>) or hosts: the objects' ids are VM or host ids.</summary>
        public static IReadOnlyList<(ControlRepair repair, RepairStep? step)> Plan(Inv inventory, Baseline baseline, ControlScope scope,
            IEnumerable<(string objectId, string controlId, string? actualWhenRead)> wanted, RepairOptions options)
        {
            var list = wanted.ToList();
            var kind = scope == ControlScope.Vm ? "VM" : scope == ControlScope.DistributedPortgroup ? "distributed portgroup"
                : scope == ControlScope.StandardPortgroup ? "standard portgroup" : scope == ControlScope.StandardSwitch ? "standard vSwitch"
                : scope == ControlScope.VCenter ? "vCenter" : scope == ControlScope.Cluster ? "cluster" : "host";
            var drift = Current(inventory, baseline, scope, list.Select(w => w.controlId));
            var controls = baseline.Controls.ToDictionary(c => c.Id, StringComparer.Ordinal);
            var plan = new List<(ControlRepair, RepairStep?)>();
            foreach (var (objectId, controlId, actualWhenRead) in list)
            {
                var standard = scope == ControlScope.StandardPortgroup || scope == ControlScope.StandardSwitch;
                // A standard portgroup is "host-21/VM Network", a vSwitch "host-21#vSwitch0": the host's id, then the object's name.
                var split = standard ? objectId.IndexOfAny(new[] { '/', '#' }) : -1;
                var standardHost = split > 0 ? inventory.GetHost(objectId.Substring(0, split)) : null;
                var standardName = split > 0 ? objectId.Substring(split + 1) : null;
                var host = scope == ControlScope.Host ? inventory.GetHost(objectId) : null;
                var vm = scope == ControlScope.Vm ? inventory.GetVm(objectId) : null;
                var portgroup = scope == ControlScope.DistributedPortgroup ? inventory.GetNetwork(objectId) : null;
                var dvs = scope == ControlScope.DistributedSwitch ? inventory.DistributedSwitches.FirstOrDefault(d => d.Id == objectId) : null;
                var cluster = scope == ControlScope.Cluster ? inventory.GetCluster(objectId) : null;
                // The vCenter Server is the one the inventory was read from: its id is "vcenter:" and the inventory's source.
                var vcenter = scope == ControlScope.VCenter && objectId == ControlTarget.VCenterId(inventory.Source) ? inventory.VCenter : null;
                var repair = new ControlRepair
                {
                    ObjectKind = scope == ControlScope.Vm ? "VM" : portgroup != null ? "DistributedPortgroup" : dvs != null ? "DistributedSwitch" : standard ? scope.ToString()
                        : scope == ControlScope.VCenter ? "VCenter" : scope == ControlScope.Cluster ? "Cluster" : "Host",
                    ObjectId = objectId,
                    Object = host?.Name ?? vm?.Name ?? portgroup?.Name ?? dvs?.Name ?? cluster?.Name ?? vcenter?.Name ?? (standardHost != null ? $"{standardName} on {standardHost.Name}" : null),
                    ControlId = controlId, Baseline = baseline.Name,
                };
                ControlRepair Skip(string why) => repair with { Status = RepairStatus.Skipped, Message = why };
                if (host == null && vm == null && portgroup == null && dvs == null && standardHost == null && cluster == null && vcenter == null)
                {
                    plan.Add((Skip($"{kind} {objectId} is not on this server"), null));
                    continue;
                }
                if (!drift.TryGetValue((objectId, controlId), out var now) || !controls.TryGetValue(controlId, out var control))
                {
                    plan.Add((Skip($"control {controlId} is not a {kind} control of baseline {baseline.Name}"), null));
                    continue;
                }
                repair = repair with { Before = now.Actual };
                if (now.Outcome == Outcome.Pass) { plan.Add((Skip("it passes already: nothing to change"), null)); continue; }
                if (now.Outcome == Outcome.NotEvaluated) { plan.Add((Skip($"not evaluated on the fresh read ({now.Reason}): nothing to repair from"), null)); continue; }
                if (actualWhenRead != null && !string.Equals(actualWhenRead, now.Actual, StringComparison.Ordinal))
                {
                    plan.Add((Skip($"changed since it was read: was {actualWhenRead}, now {now.Actual}; read it again and repair what fails then"), null));
                    continue;
                }
                var (step, undo, action, refusal) = vm != null ? VmStepFor(vm, control) : portgroup != null ? PortgroupStepFor(portgroup, control, now.Actual)
                    : dvs != null ? SwitchStepFor(dvs, control, now.Actual)
                    : cluster != null ? ClusterStepFor(cluster, control)
                    : vcenter != null ? VCenterStepFor(vcenter, objectId, control)
                    : standardHost != null ? StandardStepFor(standardHost, scope, standardName!, control) : StepFor(host!, control, options);
                if (step == null) { plan.Add((Skip(refusal!) with { Action = action ?? "" }, null)); continue; }
                plan.Add((repair with { Status = RepairStatus.Planned, Action = action!, After = step.Value, Undo = undo,
                    Message = control.Definition.Fix?.TakesEffect == "reboot" ? "takes effect when the host reboots"
                        : control.Definition.Fix?.TakesEffect == "powerCycle" ? "takes effect when the VM is powered off and on again" : null }, step));
            }
            return plan;
        }

        /// <summary>Each (object id, control id) result of these controls on the fresh read, Pass included.</summary>
        public static Dictionary<(string id, string controlId), ControlDrift> Current(Inv inventory, Baseline baseline, ControlScope scope, IEnumerable<string> controlIds)
        {
            // A standard switch control is judged on each vSwitch and on each portgroup on it: both scopes are read for either.
            var scopes = scope == ControlScope.StandardPortgroup || scope == ControlScope.StandardSwitch ? new[] { ControlScope.StandardPortgroup, ControlScope.StandardSwitch } : new[] { scope };
            var drift = Assessments.Assessment.Drift(inventory, new Assessments.AssessmentOptions
            {
                Baseline = baseline, ControlIds = controlIds.Distinct(StringComparer.Ordinal).ToArray(), IncludePass = true, Objects = scopes,
            });
            return scope == ControlScope.Vm ? drift.Vms.ToDictionary(d => (d.VmId, d.ControlId), d => (ControlDrift)d)
                : scope == ControlScope.DistributedSwitch ? drift.Networks.Where(d => d.ObjectKind == NetworkObjectKind.DistributedSwitch).ToDictionary(d => (d.NetworkId, d.ControlId), d => (ControlDrift)d)
                : scope == ControlScope.DistributedPortgroup ? drift.Networks.Where(d => d.ObjectKind == NetworkObjectKind.DistributedPortgroup).ToDictionary(d => (d.NetworkId, d.ControlId), d => (ControlDrift)d)
                : scope == ControlScope.StandardPortgroup || scope == ControlScope.StandardSwitch
                    ? drift.Networks.Where(d => d.ObjectKind == (scope == ControlScope.StandardSwitch ? NetworkObjectKind.StandardSwitch : NetworkObjectKind.StandardPortgroup)).ToDictionary(d => (d.NetworkId, d.ControlId), d => (ControlDrift)d)
                : scope == ControlScope.VCenter || scope == ControlScope.Cluster
                    ? drift.Estate.Where(d => d.ObjectKind == (scope == ControlScope.VCenter ? EstateObjectKind.VCenter : EstateObjectKind.Cluster)).ToDictionary(d => (d.ObjectId, d.ControlId), d => (ControlDrift)d)
                : drift.Hosts.ToDictionary(d => (d.HostId, d.ControlId), d => (ControlDrift)d);
        }

        private static (RepairStep? step, RepairStep? undo, string? action, string? refusal) VmStepFor(Vm vm, EffectiveControl control)
        {
            if (Refused(control, "VM", "setVmExtraConfig", "setVmConfig", "disconnectVmDevices") is string why) return (null, null, null, why);
            var fix = control.Definition.Fix!;
            if (fix.Action == "disconnectVmDevices") return DisconnectStep(vm, control);
            var value = RepairValues.ValueFor(control);
            if (value == null) return (null, null, null, "the expectation names no single value to set; give the control a fix value");
            if (fix.Action == "setVmConfig")
            {
                var (target, was, what) = control.Fact switch
                {
                    "vm.migrateEncryption" => ("migrateEncryption", vm.Settings?.MigrateEncryption, "vMotion encryption"),
                    "vm.loggingEnabled" => ("flags.enableLogging", vm.Settings?.LoggingEnabled is bool on ? (on ? "true" : "false") : null, "logging"),
                    _ => ((string?)null, (string?)null, ""),
                };
                if (target == null) return (null, null, null, $"setVmConfig does not write {control.Fact}");
                RepairStep Config(string v) => new RepairStep { Action = fix.Action, ObjectId = vm.Id, Object = vm.Name, ControlId = control.Id, Target = target, Value = v };
                return (Config(value), was == null ? null : Config(was), $"set the VM's {what} to {value}", null);
            }
            var key = control.Fact.Substring("vm.extraConfig:".Length);
            // An advanced setting that was not there is removed again by setting it empty.
            var before = vm.Settings?.ExtraConfig != null && vm.Settings.ExtraConfig.TryGetValue(key, out var b) ? b : "";
            RepairStep Step(string v) => new RepairStep { Action = fix.Action, ObjectId = vm.Id, Object = vm.Name, ControlId = control.Id, Target = key, Value = v };
            return (Step(value), Step(before), $"set VM advanced setting {key} to {Shown(value)}", null);
        }

        /// <summary>
        /// The connected devices of the fact's types (vm.connectedDevices:VirtualCdrom), each disconnected and with
        /// "connect at power on" cleared: one step whose arguments are each device's label and its new
        /// "connected,startConnected"; the undo's, what each had.
        /// </summary>
        private static (RepairStep? step, RepairStep? undo, string? action, string? refusal) DisconnectStep(Vm vm, EffectiveControl control)
        {
            var colon = control.Fact.IndexOf(':');
            if (!control.Fact.StartsWith("vm.connectedDevices:", StringComparison.Ordinal)) return (null, null, null, $"disconnectVmDevices does not write {control.Fact}");
            var types = control.Fact.Substring(colon + 1);
            var wanted = new HashSet<string>(types.Split(',').Select(t => t.Trim()), StringComparer.Ordinal);
            var connected = (vm.Settings?.Devices ?? Array.Empty<VmDevice>()).Where(d => wanted.Contains(d.Type) && d.Connected == true).ToList();
            if (connected.Count == 0) return (null, null, null, "no device of these types is connected");
            string Label(VmDevice d) => d.Label ?? d.Type;
            var step = new RepairStep { Action = "disconnectVmDevices", ObjectId = vm.Id, Object = vm.Name, ControlId = control.Id, Target = types, Value = "disconnected",
                Arguments = connected.ToDictionary(Label, _ => "false,false", StringComparer.Ordinal) };
            var undo = step with { Value = "connected", Arguments = connected.ToDictionary(Label, d => "true," + (d.StartConnected == true ? "true" : "false"), StringComparer.Ordinal) };
            return (step, undo, $"disconnect {string.Join(", ", connected.Select(Label))} and clear connect at power on", null);
        }

        /// <summary>A cluster's DRS or HA: the fact's setting, turned on or off in one reconfiguration per cluster.</summary>
        private static (RepairStep? step, RepairStep? undo, string? action, string? refusal) ClusterStepFor(Cluster cluster, EffectiveControl control)
        {
            if (Refused(control, "cluster", "setCluster") is string why) return (null, null, null, why);
            var (target, before, what) = control.Fact switch
            {
                "cluster.drsEnabled" => ("drsConfig.enabled", cluster.DrsEnabled, "DRS"),
                "cluster.haEnabled" => ("dasConfig.enabled", cluster.HaEnabled, "vSphere HA"),
                _ => ((string?)null, false, ""),
            };
            if (target == null) return (null, null, null, $"setCluster does not write {control.Fact}");
            var value = RepairValues.ValueFor(control);
            if (value != "true" && value != "false") return (null, null, null, "a cluster setting is true or false; the expectation names neither");
            RepairStep Step(string v) => new RepairStep { Action = "setCluster", ObjectId = cluster.Id, Object = cluster.Name, ControlId = control.Id, Target = target, Value = v };
            return (Step(value), Step(before ? "true" : "false"), $"turn {what} {(value == "true" ? "on" : "off")} on cluster {cluster.Name}", null);
        }

        /// <summary>The appliance settings a repair writes: the fact, its CIS REST path, and the member of the PUT body that carries it.</summary>
        internal static readonly IReadOnlyDictionary<string, (string path, string member)> ApplianceSettings = new Dictionary<string, (string, string)>(StringComparer.Ordinal)
        {
            ["vcenter.appliance.sshEnabled"] = ("appliance/access/ssh", "enabled"),
            ["vcenter.appliance.timeSync"] = ("appliance/timesync", "mode"),
            ["vcenter.appliance.passwordMaxDays"] = ("appliance/local-accounts/global-policy", "policy.max_days"),
        };

        /// <summary>A vCenter advanced setting (one UpdateOptions on the vCenter's setting manager for all of them) or an appliance setting (CIS REST).</summary>
        private static (RepairStep? step, RepairStep? undo, string? action, string? refusal) VCenterStepFor(VCenterServer vcenter, string objectId, EffectiveControl control)
        {
            if (Refused(control, "vCenter", "setVCenterOption", "setAppliance") is string why) return (null, null, null, why);
            var fix = control.Definition.Fix!;
            var value = RepairValues.ValueFor(control);
            if (value == null) return (null, null, null, "the expectation names no single value to set; give the control a fix value");
            RepairStep Step(string target, string v) => new RepairStep { Action = fix.Action, ObjectId = objectId, Object = vcenter.Name, ControlId = control.Id, Target = target, Value = v };
            if (fix.Action == "setVCenterOption")
            {
                if (!control.Fact.StartsWith("vcenter.setting:", StringComparison.Ordinal)) return (null, null, null, $"setVCenterOption does not write {control.Fact}");
                var key = control.Fact.Substring("vcenter.setting:".Length);
                // vCenter keeps an advanced setting once it is added: one that was not there cannot be taken away again.
                var before = vcenter.Settings != null && vcenter.Settings.TryGetValue(key, out var b) ? b : null;
                return (Step(key, value), before == null ? null : Step(key, before), $"set vCenter advanced setting {key} to {Shown(value)}", null);
            }
            if (!ApplianceSettings.TryGetValue(control.Fact, out var setting)) return (null, null, null, $"setAppliance does not write {control.Fact}");
            var a = vcenter.Appliance;
            var was = control.Fact == "vcenter.appliance.sshEnabled" ? (a?.SshEnabled is bool on ? (on ? "true" : "false") : null)
                : control.Fact == "vcenter.appliance.timeSync" ? a?.TimeSync
                : a?.PasswordMaxDays?.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return (Step(control.Fact, value), was == null ? null : Step(control.Fact, was), $"set the appliance's {setting.path.Substring("appliance/".Length)} {setting.member} to {value}", null);
        }

        /// <summary>The distributed portgroup settings a repair writes: the fact's field and where it lives in the portgroup's config.</summary>
        internal static readonly IReadOnlyDictionary<string, string> PortgroupSettings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["allowPromiscuous"] = "defaultPortConfig.securityPolicy.allowPromiscuous",
            ["macChanges"] = "defaultPortConfig.securityPolicy.macChanges",
            ["forgedTransmits"] = "defaultPortConfig.securityPolicy.forgedTransmits",
            ["ipfixEnabled"] = "defaultPortConfig.ipfixEnabled",
            ["portConfigResetAtDisconnect"] = "policy.portConfigResetAtDisconnect",
        };

        private static (RepairStep? step, RepairStep? undo, string? action, string? refusal) PortgroupStepFor(Network portgroup, EffectiveControl control, string actual)
        {
            if (Refused(control, "distributed portgroup", "setDvPortgroup") is string why) return (null, null, null, why);
            var fix = control.Definition.Fix!;
            var field = control.Fact.Substring(control.Fact.LastIndexOf('.') + 1);
            if (!PortgroupSettings.TryGetValue(field, out var path)) return (null, null, null, $"{field} of a distributed portgroup is not repaired");
            var value = RepairValues.ValueFor(control);
            if (value != "true" && value != "false") return (null, null, null, "a portgroup setting is true or false; the expectation names neither");
            RepairStep Step(string v) => new RepairStep { Action = fix.Action, ObjectId = portgroup.Id, Object = portgroup.Name, ControlId = control.Id, Target = path, Value = v };
            var before = actual == "true" || actual == "false" ? Step(actual) : null;
            return (Step(value), before, $"set {path} of distributed portgroup {portgroup.Name} to {value}", null);
        }

        /// <summary>A distributed switch's default security policy, its discovery protocol's operation, or Network I/O Control.</summary>
        private static (RepairStep? step, RepairStep? undo, string? action, string? refusal) SwitchStepFor(DistributedSwitch dvs, EffectiveControl control, string actual)
        {
            if (Refused(control, "distributed switch", "setDvSwitch") is string why) return (null, null, null, why);
            var fix = control.Definition.Fix!;
            var field = control.Fact.Substring(control.Fact.LastIndexOf('.') + 1);
            var value = RepairValues.ValueFor(control);
            if (value == null) return (null, null, null, "the expectation names no single value to set; give the control a fix value");
            RepairStep Step(string v) => new RepairStep { Action = fix.Action, ObjectId = dvs.Id, Object = dvs.Name, ControlId = control.Id, Target = field, Value = v };
            var before = actual.StartsWith("(", StringComparison.Ordinal) ? null : Step(actual);
            return (Step(value), before, $"set {field} of distributed switch {dvs.Name} to {value}", null);
        }

        /// <summary>
        /// A standard vSwitch's own security policy, or a standard portgroup's (set explicitly, so that the policy in
        /// force meets the control whatever the vSwitch says). The step is the host's: its network system writes it.
        /// </summary>
        private static (RepairStep? step, RepairStep? undo, string? action, string? refusal) StandardStepFor(Host host, ControlScope scope, string name, EffectiveControl control)
        {
            if (Refused(control, "standard network", "setStandardNetwork") is string why) return (null, null, null, why);
            var fix = control.Definition.Fix!;
            var field = control.Fact.Substring(control.Fact.LastIndexOf('.') + 1);
            var value = RepairValues.ValueFor(control);
            if (value != "true" && value != "false") return (null, null, null, "a security setting is true or false; the expectation names neither");
            SecurityPolicy? own;
            string target;
            if (scope == ControlScope.StandardSwitch)
            {
                own = host.StandardSwitches.FirstOrDefault(v => v.Name == name)?.Security;
                target = "vswitch:" + name;
            }
            else
            {
                own = host.Portgroups.FirstOrDefault(p => p.Name == name)?.Security;
                target = "portgroup:" + name;
            }
            bool? before = field == "allowPromiscuous" ? own?.AllowPromiscuous : field == "macChanges" ? own?.MacChanges : field == "forgedTransmits" ? own?.ForgedTransmits : null;
            RepairStep Step(string v) => new RepairStep { Action = fix.Action, ObjectId = host.Id, Object = host.Name, ControlId = control.Id, Target = target,
                Value = v, Arguments = new Dictionary<string, string>(StringComparer.Ordinal) { [field] = v } };
            // "inherit": the portgroup had no value of its own, and gets none back.
            return (Step(value), Step(before == null ? "inherit" : before.Value ? "true" : "false"),
                $"set {field} of {(scope == ControlScope.StandardSwitch ? "vSwitch" : "portgroup")} {name} on {host.Name} to {value}", null);
        }

        private static (RepairStep? step, RepairStep? undo, string? action, string? refusal) StepFor(Host host, EffectiveControl control, RepairOptions options)
        {
            if (Refused(control, "host", "setOption", "setService", "setFirewallDefault", "restrictRulesets", "setLockdown", "esxcli") is string why) return (null, null, null, why);
            var fix = control.Definition.Fix!;
            if (fix.Action == "restrictRulesets") return RulesetStep(host, control, options);
            var value = RepairValues.ValueFor(control);
            if (value == null) return (null, null, null, "the expectation names no single value to set; give the control a fix value");
            RepairStep Step(string target, string v, IReadOnlyDictionary<string, string>? args = null) =>
                new RepairStep { Action = fix.Action, ObjectId = host.Id, Object = host.Name, ControlId = control.Id, Target = target, Value = v, Arguments = args };
            switch (fix.Action)
            {
                case "setOption":
                {
                    var key = control.Fact.Substring("option:".Length);
                    var before = host.AdvancedOptions.TryGetValue(key, out var b) ? b : null;
                    return (Step(key, value), before == null ? null : Step(key, before), $"set advanced option {key} to {Shown(value)}", null);
                }
                case "setService":
                {
                    var key = control.Fact.Substring("service:".Length);
                    var service = host.Services.FirstOrDefault(s => s.Key == key);
                    if (service == null) return (null, null, null, $"service {key} is not installed on this host");
                    var on = value.StartsWith("running", StringComparison.Ordinal);
                    var before = Facts.ServiceState(host, key);
                    return (Step(key, on ? "running, policy on" : "stopped, policy off"), Step(key, before),
                        on ? $"start service {key} and set its policy on" : $"stop service {key} and set its policy off", null);
                }
                case "setFirewallDefault":
                    return (Step("incomingBlocked", value), Step("incomingBlocked", host.Firewall.IncomingBlocked ? "true" : "false"), $"set the firewall to block incoming connections by default ({value})", null);
                case "setLockdown":
                    if (fix.Needs == "force" && !options.Force)
                        return (null, null, $"set lockdown mode {value}", "lockdown mode can lock every administrator out of the host: give -Force (after checking the exception users) to enable it");
                    return (Step("lockdownMode", value), Step("lockdownMode", LockdownName(host.LockdownMode)), $"set lockdown mode {value}", null);
                case "esxcli":
                {
                    if (fix.Command == null) return (null, null, null, "the fix names no ESXCLI command");
                    var args = (fix.Arguments ?? new Dictionary<string, string>()).ToDictionary(a => a.Key, a => a.Value.Replace("{value}", value), StringComparer.Ordinal);
                    // The control's own reader, on this host: the value to put back.
                    var read = control.Reader!(ControlTarget.OfHost(host, null), null!);
                    var reversible = fix.Arguments != null && fix.Arguments.Values.Any(v => v.Contains("{value}")) && read.Scalar != null;
                    var undo = reversible ? Step(fix.Command, read.Scalar!, fix.Arguments!.ToDictionary(a => a.Key, a => a.Value.Replace("{value}", read.Scalar!), StringComparer.Ordinal)) : null;
                    var line = "esxcli " + fix.Command.Replace('.', ' ') + string.Concat(args.Select(a => $" --{a.Key}={a.Value}"));
                    return (Step(fix.Command, value, args), undo, line, null);
                }
                default:
                    return (null, null, null, $"fix action '{fix.Action}' is not a host repair");
            }
        }

        /// <summary>
        /// The open rulesets (enabled, open to all, user-configurable) restricted to -AllowedNetwork, one step for all of
        /// them: the arguments hold each ruleset's new list; the undo's, its old one with "*" for "all addresses".
        /// </summary>
        private static (RepairStep? step, RepairStep? undo, string? action, string? refusal) RulesetStep(Host host, EffectiveControl control, RepairOptions options)
        {
            if (options.AllowedNetworks == null || options.AllowedNetworks.Count == 0)
                return (null, null, "restrict the open firewall rulesets", "restricting a ruleset needs the networks to allow (-AllowedNetwork), and allowing nothing would cut the host off");
            var open = host.Firewall.Rulesets.Where(r => r.Enabled && r.AllowedAllIp && r.IpListUserConfigurable != false).ToList();
            if (open.Count == 0) return (null, null, null, "no ruleset is open to every address");
            var allowed = string.Join(",", options.AllowedNetworks);
            var step = new RepairStep { Action = "restrictRulesets", ObjectId = host.Id, Object = host.Name, ControlId = control.Id, Target = "firewall rulesets", Value = allowed,
                Arguments = open.ToDictionary(r => r.Key, _ => allowed, StringComparer.Ordinal) };
            var undo = step with { Value = "*", Arguments = open.ToDictionary(r => r.Key, r => string.Join(",", new[] { "*" }.Concat(r.AllowedNetworks).Concat(r.AllowedIps)), StringComparer.Ordinal) };
            return (step, undo, $"allow only {allowed} on rulesets {string.Join(", ", open.Select(r => r.Key))}", null);
        }

        /// <summary>Why a control is not repaired on this kind of object: no fix, a peer result, a refusal in the catalog, a fix of another kind; null: repair it.</summary>
        private static string? Refused(EffectiveControl control, string what, params string[] actions)
        {
            var fix = control.Definition.Fix;
            if (fix == null) return "the control has no fix in the catalog";
            if (control.Peer) return "a peer result has no value of its own to set: repair against a baseline";
            if (fix.Action == "refuse") return "not repaired automatically: " + fix.Reason;
            return actions.Contains(fix.Action) ? null : $"fix action '{fix.Action}' is not a {what} repair";
        }

        private static string Shown(string value) => value.Length == 0 ? "(empty)" : value;

        private static string LockdownName(LockdownMode mode) => mode == LockdownMode.LockdownNormal ? "lockdownNormal" : mode == LockdownMode.LockdownStrict ? "lockdownStrict" : "lockdownDisabled";

        // ---- applying -------------------------------------------------------------------------------

        /// <summary>
        /// Applies one host's steps: one UpdateOptions for all its advanced options (with each option's wire
        /// type as the server reports it), then services, the firewall default, lockdown mode and ESXCLI
        /// commands one by one. Returns each step's error (null when it was written) and whether the
        /// connection was lost: the step in flight then may or may not have been written, and the steps
        /// after it were not.
        /// </summary>
        public static async Task<(IReadOnlyList<string?> errors, bool lost)> ApplyAsync(VimClient client, string hostId, IReadOnlyList<RepairStep> steps, CancellationToken cancel)
        {
            if (steps.Count > 0 && steps.All(s => s.Action == "setVmExtraConfig" || s.Action == "setVmConfig" || s.Action == "disconnectVmDevices")) return await ApplyVmAsync(client, hostId, steps, cancel).ConfigureAwait(false);
            if (steps.Count > 0 && steps.All(s => s.Action == "setVCenterOption" || s.Action == "setAppliance")) return await ApplyVCenterAsync(client, steps, cancel).ConfigureAwait(false);
            if (steps.Count > 0 && steps.All(s => s.Action == "setCluster")) return await ApplyClusterAsync(client, hostId, steps, cancel).ConfigureAwait(false);
            if (steps.Count > 0 && steps.All(s => s.Action == "setDvPortgroup")) return await ApplyPortgroupAsync(client, hostId, steps, cancel).ConfigureAwait(false);
            if (steps.Count > 0 && steps.All(s => s.Action == "setDvSwitch")) return await ApplySwitchAsync(client, hostId, steps, cancel).ConfigureAwait(false);
            if (steps.Count > 0 && steps.All(s => s.Action == "setStandardNetwork")) return await ApplyStandardNetworkAsync(client, hostId, steps, cancel).ConfigureAwait(false);
            var writes = new Writes(steps.Count, "host");
            var errors = writes.Errors;
            var host = new VimRef("HostSystem", hostId);
            ObjectContent? content;
            try
            {
                content = await client.RetrieveObjectAsync(host, new[] { "configManager.advancedOption", "configManager.serviceSystem", "configManager.firewallSystem", "configManager.hostAccessManager", "config.firewall" }, cancel).ConfigureAwait(false);
            }
            catch (VimConnectionException ex)
            {
                for (int i = 0; i < steps.Count; i++) errors[i] = $"not written: the connection to the server was lost before this host's changes ({ex.Message})";
                return (errors, true);
            }
            VimRef? Manager(string path) => content?[path] as VimRef;

            Task Run(int i, Func<Task> write) => writes.Run(i, write);

            var options = steps.Select((s, i) => (s, i)).Where(x => x.s.Action == "setOption").ToList();
            if (options.Count > 0)
            {
                if (Manager("configManager.advancedOption") is VimRef manager) await WriteOptionsAsync(client, manager, options, Run, errors, cancel).ConfigureAwait(false);
                else foreach (var (_, i) in options) errors[i] = "the host has no advanced option manager";
            }
            // A write through one of the host's managers: its error when the host has none.
            async Task Through(int i, string manager, string missing, Func<VimRef, Task> write)
            {
                if (Manager(manager) is VimRef m) await Run(i, () => write(m)).ConfigureAwait(false);
                else errors[i] = missing;
            }
            for (int i = 0; i < steps.Count; i++)
            {
                var s = steps[i];
                switch (s.Action)
                {
                    case "setService":
                    {
                        var on = s.Value.StartsWith("running", StringComparison.Ordinal);
                        var policy = s.Value.EndsWith("policy on", StringComparison.Ordinal) ? "on" : s.Value.EndsWith("policy automatic", StringComparison.Ordinal) ? "automatic" : "off";
                        await Through(i, "configManager.serviceSystem", "the host has no service system", async manager =>
                        {
                            using (var w = new SoapWriter(on ? "StartService" : "StopService", manager).Text("id", s.Target)) await client.InvokeAsync(w, cancel).ConfigureAwait(false);
                            using (var w = new SoapWriter("UpdateServicePolicy", manager).Text("id", s.Target).Text("policy", policy)) await client.InvokeAsync(w, cancel).ConfigureAwait(false);
                        }).ConfigureAwait(false);
                        break;
                    }
                    case "setFirewallDefault":
                    {
                        var outgoing = (content?["config.firewall"] as VimObject)?.Object("defaultPolicy")?.Bool("outgoingBlocked") ?? true;
                        await Through(i, "configManager.firewallSystem", "the host has no firewall system", async manager =>
                        {
                            using (var w = new SoapWriter("UpdateDefaultPolicy", manager).Start("defaultPolicy").Bool("incomingBlocked", s.Value == "true").Bool("outgoingBlocked", outgoing).End())
                                await client.InvokeAsync(w, cancel).ConfigureAwait(false);
                        }).ConfigureAwait(false);
                        break;
                    }
                    case "restrictRulesets":
                    {
                        await Through(i, "configManager.firewallSystem", "the host has no firewall system", async manager =>
                        {
                            foreach (var ruleset in s.Arguments ?? new Dictionary<string, string>())
                            {
                                var items = ruleset.Value.Split(new[] { ',' }, StringSplitOptions.RemoveEmptyEntries);
                                var w = new SoapWriter("UpdateRuleset", manager).Text("id", ruleset.Key).Start("spec").Start("allowedHosts");
                                foreach (var address in items.Where(a => a != "*" && !a.Contains("/"))) w.Text("ipAddress", address);
                                foreach (var network in items.Where(a => a.Contains("/")))
                                    w.Start("ipNetwork").Text("network", network.Substring(0, network.IndexOf('/'))).Text("prefixLength", network.Substring(network.IndexOf('/') + 1)).End();
                                w.Bool("allIp", items.Contains("*")).End().End();
                                using (w) await client.InvokeAsync(w, cancel).ConfigureAwait(false);
                            }
                        }).ConfigureAwait(false);
                        break;
                    }
                    case "setLockdown":
                    {
                        await Through(i, "configManager.hostAccessManager", "the host has no access manager", async manager =>
                        {
                            using (var w = new SoapWriter("ChangeLockdownMode", manager).Text("mode", s.Value)) await client.InvokeAsync(w, cancel).ConfigureAwait(false);
                        }).ConfigureAwait(false);
                        break;
                    }
                    case "esxcli":
                        await Run(i, async () =>
                        {
                            VimRef? executer;
                            using (var w = new SoapWriter("RetrieveManagedMethodExecuter", host)) executer = await client.InvokeAsync(w, cancel).ConfigureAwait(false) as VimRef;
                            if (executer == null) { errors[i] = "the host has no method executer for ESXCLI"; return; }
                            using (var w = InventoryCollector.EsxCliRequest(executer, s.Target, s.Arguments ?? new Dictionary<string, string>()))
                            {
                                var result = await client.InvokeAsync(w, cancel).ConfigureAwait(false) as VimObject;
                                if (result?.Object("fault") is VimObject fault) errors[i] = "ESXCLI refused it: " + (fault.Text("faultMsg") ?? "no message");
                            }
                        }).ConfigureAwait(false);
                        break;
                }
            }
            return (errors, writes.Lost);
        }

        /// <summary>
        /// One UpdateOptions on an option manager (a host's, or the vCenter Server's setting) for all these steps, each
        /// value with the wire type the manager holds for its key: a long sent as a string is refused. Every step
        /// gets the one call's error.
        /// </summary>
        private static async Task WriteOptionsAsync(VimClient client, VimRef manager, IReadOnlyList<(RepairStep s, int i)> options,
            Func<int, Func<Task>, Task> run, string?[] errors, CancellationToken cancel)
        {
            var first = options[0].i;
            ObjectContent? settings = null;
            await run(first, async () => settings = await client.RetrieveObjectAsync(manager, new[] { "setting" }, cancel).ConfigureAwait(false)).ConfigureAwait(false);
            if (errors[first] == null)
            {
                var types = InventoryMapping.Items(settings?["setting"]).OfType<VimObject>()
                    .Where(o => o.Text("key") != null).GroupBy(o => o.Text("key")!).ToDictionary(g => g.Key, g => g.First()["value"]?.Type, StringComparer.Ordinal);
                using (var w = new SoapWriter("UpdateOptions", manager))
                {
                    foreach (var (s, _) in options)
                        w.Start("changedValue", "OptionValue").Text("key", s.Target).Typed("value", "xsd:" + (types.TryGetValue(s.Target, out var t) && t != null ? t : Guess(s.Value)), s.Value).End();
                    await run(first, () => client.InvokeAsync(w, cancel)).ConfigureAwait(false);
                }
            }
            foreach (var (_, i) in options) errors[i] = errors[first];
        }

        /// <summary>
        /// One object's writes, in order: a fault is that step's error; a lost connection makes the step in flight
        /// "may or may not have been written" and every later one "not written".
        /// </summary>
        private sealed class Writes
        {
            private readonly string _what;

            public Writes(int count, string what)
            {
                Errors = new string?[count];
                _what = what;
            }

            public string?[] Errors { get; }
            /// <summary>The connection was lost: nothing after this is written.</summary>
            public bool Lost { get; set; }

            public async Task Run(int i, Func<Task> write)
            {
                if (Lost) { Errors[i] = "not written: the connection to the server was lost before this change"; return; }
                try { await write().ConfigureAwait(false); }
                catch (VimFaultException ex) when (!(ex is NotAuthenticatedException)) { Errors[i] = $"{ex.FaultType}: {ex.Message}"; }
                catch (VimConnectionException ex)
                {
                    Lost = true;
                    Errors[i] = $"the connection to the server was lost during this change, so it may or may not have been written ({ex.Message}): read the {_what} again";
                }
            }
        }

        /// <summary>
        /// The vCenter Server's steps: one UpdateOptions on its setting manager for all its advanced settings, then
        /// each appliance setting with one PUT of the CIS REST API (the password policy echoed whole, as the PUT sets it whole).
        /// </summary>
        private static async Task<(IReadOnlyList<string?> errors, bool lost)> ApplyVCenterAsync(VimClient client, IReadOnlyList<RepairStep> steps, CancellationToken cancel)
        {
            var writes = new Writes(steps.Count, "vCenter Server");
            var options = steps.Select((s, i) => (s, i)).Where(x => x.s.Action == "setVCenterOption").ToList();
            if (options.Count > 0)
            {
                if (client.ServiceContent.Ref("setting") is VimRef manager) await WriteOptionsAsync(client, manager, options, writes.Run, writes.Errors, cancel).ConfigureAwait(false);
                else foreach (var (_, i) in options) writes.Errors[i] = "the server has no setting manager";
            }
            var appliance = steps.Select((s, i) => (s, i)).Where(x => x.s.Action == "setAppliance").ToList();
            if (appliance.Count == 0) return (writes.Errors, writes.Lost);
            var cis = new Cis.CisSession(client);
            string? refused = null;
            try
            {
                if (!await cis.LoginAsync(cancel).ConfigureAwait(false)) refused = "the server has no CIS REST API for the appliance's settings";
            }
            catch (VimConnectionException ex)
            {
                // Logging in writes nothing: every appliance change is still unwritten.
                writes.Lost = true;
                refused = $"not written: the connection to the server was lost before the appliance's changes ({ex.Message})";
            }
            catch (InvalidLoginException ex) { refused = "not written: the CIS REST API refused the login: " + ex.Message; }
            if (refused != null)
            {
                foreach (var (_, i) in appliance) writes.Errors[i] = refused;
                return (writes.Errors, writes.Lost);
            }
            try
            {
                foreach (var (s, i) in appliance)
                    await writes.Run(i, async () =>
                    {
                        if (!ApplianceSettings.TryGetValue(s.Target, out var setting)) { writes.Errors[i] = $"{s.Target} is not an appliance setting a repair writes"; return; }
                        JObject body;
                        if (setting.member == "policy.max_days")
                        {
                            // The global policy is set whole: the policy as the appliance holds it, with its lifetime changed.
                            if (!(await cis.GetIfAllowedAsync(setting.path, cancel).ConfigureAwait(false) is JObject policy))
                            {
                                writes.Errors[i] = "not written: the appliance did not report its password policy to change";
                                return;
                            }
                            policy["max_days"] = long.Parse(s.Value, System.Globalization.CultureInfo.InvariantCulture);
                            body = new JObject { ["policy"] = policy };
                        }
                        else body = new JObject { [setting.member] = setting.member == "enabled" ? (JToken)(s.Value == "true") : s.Value };
                        writes.Errors[i] = await cis.PutAsync(setting.path, body, cancel).ConfigureAwait(false);
                    }).ConfigureAwait(false);
            }
            finally
            {
                if (!writes.Lost) await cis.LogoutAsync().ConfigureAwait(false);
            }
            return (writes.Errors, writes.Lost);
        }

        /// <summary>
        /// A cluster's DRS and HA: one ReconfigureComputeResource_Task with modify set, so that only the members sent
        /// change (vim25 merges a ClusterConfigSpecEx into the cluster's configuration).
        /// </summary>
        private static async Task<(IReadOnlyList<string?> errors, bool lost)> ApplyClusterAsync(VimClient client, string clusterId, IReadOnlyList<RepairStep> steps, CancellationToken cancel)
        {
            var writes = new Writes(steps.Count, "cluster");
            var w = new SoapWriter("ReconfigureComputeResource_Task", new VimRef("ClusterComputeResource", clusterId)).Start("spec", "ClusterConfigSpecEx");
            // ClusterConfigSpecEx order: dasConfig before drsConfig.
            foreach (var config in new[] { "dasConfig", "drsConfig" })
                if (steps.LastOrDefault(s => s.Target == config + ".enabled") is RepairStep step) w.Start(config).Text("enabled", step.Value).End();
            w.End().Bool("modify", true);
            using (w) await writes.Run(0, () => client.InvokeTaskAsync(w, TimeSpan.FromMinutes(2), cancel)).ConfigureAwait(false);
            for (int i = 1; i < steps.Count; i++) writes.Errors[i] = writes.Errors[0];
            return (writes.Errors, writes.Lost);
        }

        /// <summary>A VM's advanced settings and vMotion encryption: one ReconfigVM_Task with all of them (an empty value removes a setting).</summary>
        private static async Task<(IReadOnlyList<string?> errors, bool lost)> ApplyVmAsync(VimClient client, string vmId, IReadOnlyList<RepairStep> steps, CancellationToken cancel)
        {
            var errors = new string?[steps.Count];
            var lost = false;
            // vim25 order: flags, then deviceChange, then extraConfig, then migrateEncryption.
            var vm = new VimRef("VirtualMachine", vmId);
            var logging = steps.FirstOrDefault(s => s.Action == "setVmConfig" && s.Target == "flags.enableLogging");
            var disconnects = steps.Select((s, i) => (s, i)).Where(x => x.s.Action == "disconnectVmDevices").ToList();
            VimObject? flags = null;
            IReadOnlyList<VimObject> devices = Array.Empty<VimObject>();
            if (logging != null || disconnects.Count > 0)
            {
                // ReconfigVM_Task sets flags as a whole, and an edited device is the whole device: both as the server holds them.
                ObjectContent? content;
                try { content = await client.RetrieveObjectAsync(vm, new[] { "config.flags", "config.hardware.device" }, cancel).ConfigureAwait(false); }
                catch (VimConnectionException ex) { return (steps.Select(_ => (string?)$"not written: the connection to the server was lost before this VM's changes ({ex.Message})").ToList(), true); }
                if (logging != null) flags = WithField(content?["config.flags"] as VimObject ?? new VimObject { Type = "VirtualMachineFlags" }, "enableLogging", logging.Value, after: "disableAcceleration");
                devices = InventoryMapping.Items(content?["config.hardware.device"]).OfType<VimObject>().ToList();
            }
            var edits = new List<VimObject>();
            foreach (var (s, i) in disconnects)
            {
                var types = new HashSet<string>(s.Target.Split(','), StringComparer.Ordinal);
                foreach (var device in s.Arguments ?? new Dictionary<string, string>())
                {
                    var found = devices.FirstOrDefault(d => d.Type != null && types.Contains(d.Type) && (d.Object("deviceInfo")?.Text("label") ?? d.Type) == device.Key);
                    var states = device.Value.Split(',');
                    if (found?.Object("connectable") is not VimObject connectable || states.Length != 2)
                    {
                        errors[i] = $"not written: {device.Key} is no longer a connectable device of this VM";
                        break;
                    }
                    // VirtualDeviceConnectInfo order: migrateConnect, startConnected, allowGuestControl, connected, status.
                    var changed = WithField(WithField(connectable, "startConnected", states[1], after: "migrateConnect"), "connected", states[0], after: "allowGuestControl");
                    edits.Add(WithObject(found, "connectable", changed));
                }
            }
            var w = new SoapWriter("ReconfigVM_Task", vm).Start("spec");
            if (flags != null) w.Echo("flags", flags);
            foreach (var device in edits) w.Start("deviceChange").Text("operation", "edit").Echo("device", device, typed: true).End();
            foreach (var s in steps.Where(s => s.Action == "setVmExtraConfig")) w.Start("extraConfig").Text("key", s.Target).Typed("value", "xsd:string", s.Value).End();
            if (steps.FirstOrDefault(s => s.Action == "setVmConfig" && s.Target == "migrateEncryption") is RepairStep encryption) w.Text("migrateEncryption", encryption.Value);
            w.End();
            string? error = null;
            try
            {
                using (w) await client.InvokeTaskAsync(w, TimeSpan.FromMinutes(2), cancel).ConfigureAwait(false);
            }
            catch (VimFaultException ex) when (!(ex is NotAuthenticatedException)) { error = $"{ex.FaultType}: {ex.Message}"; }
            catch (VimConnectionException ex)
            {
                lost = true;
                error = $"the connection to the server was lost during this change, so it may or may not have been written ({ex.Message}): read the VM again";
            }
            for (int i = 0; i < steps.Count; i++) errors[i] ??= error;
            return (errors, lost);
        }

        /// <summary>A copy of a data object with one data-object field replaced where it is.</summary>
        private static VimObject WithObject(VimObject value, string name, VimObject replacement)
        {
            var copy = new VimObject { Type = value.Type };
            foreach (var field in value.Fields) copy.Add(field.Key, field.Key == name ? replacement : field.Value);
            return copy;
        }

        /// <summary>
        /// A distributed portgroup's settings: one ReconfigureDVPortgroup_Task with the portgroup's config version
        /// (a stale one is ConcurrentAccess: read it again and retry, three times at most). The default port
        /// settings are sent as far as they change (vim25 merges them); the policy, whose members are all required,
        /// is echoed as the server holds it with the changed members.
        /// </summary>
        private static async Task<(IReadOnlyList<string?> errors, bool lost)> ApplyPortgroupAsync(VimClient client, string portgroupId, IReadOnlyList<RepairStep> steps, CancellationToken cancel)
        {
            var pg = new VimRef("DistributedVirtualPortgroup", portgroupId);
            var values = steps.ToDictionary(s => s.Target, s => s.Value == "true", StringComparer.Ordinal);
            string? error = null;
            var lost = false;
            for (int attempt = 1; attempt <= 3; attempt++)
            {
                try
                {
                    var content = await client.RetrieveObjectAsync(pg, new[] { "config.configVersion", "config.policy" }, cancel).ConfigureAwait(false);
                    var w = new SoapWriter("ReconfigureDVPortgroup_Task", pg).Start("spec");
                    if (InventoryMapping.Text(content?["config.configVersion"]) is string version) w.Text("configVersion", version);
                    var security = new[] { "allowPromiscuous", "macChanges", "forgedTransmits" }.Where(f => values.ContainsKey("defaultPortConfig.securityPolicy." + f)).ToList();
                    var ipfix = values.TryGetValue("defaultPortConfig.ipfixEnabled", out var ipfixOn);
                    if (security.Count > 0 || ipfix)
                    {
                        w.Start("defaultPortConfig", "VMwareDVSPortSetting");
                        if (security.Count > 0)
                        {
                            w.Start("securityPolicy").Bool("inherited", false);
                            foreach (var f in security) w.Start(f).Bool("inherited", false).Bool("value", values["defaultPortConfig.securityPolicy." + f]).End();
                            w.End();
                        }
                        if (ipfix) w.Start("ipfixEnabled").Bool("inherited", false).Bool("value", ipfixOn).End();
                        w.End();
                    }
                    if (values.TryGetValue("policy.portConfigResetAtDisconnect", out var reset) && content?["config.policy"] is VimObject policy)
                    {
                        w.Start("policy", policy.Type ?? "VMwareDVSPortgroupPolicy");
                        foreach (var member in policy.Fields)
                            if (member.Value is VimText t) w.Text(member.Key, member.Key == "portConfigResetAtDisconnect" ? (reset ? "true" : "false") : t.Text);
                        w.End();
                    }
                    w.End();
                    using (w) await client.InvokeTaskAsync(w, TimeSpan.FromMinutes(2), cancel).ConfigureAwait(false);
                    error = null;
                    break;
                }
                catch (VimFaultException ex) when (ex.FaultType == "ConcurrentAccess" && attempt < 3) { error = $"{ex.FaultType}: {ex.Message}"; }
                catch (VimFaultException ex) when (!(ex is NotAuthenticatedException)) { error = $"{ex.FaultType}: {ex.Message}"; break; }
                catch (VimConnectionException ex)
                {
                    lost = true;
                    error = $"the connection to the server was lost during this change, so it may or may not have been written ({ex.Message}): read the portgroup again";
                    break;
                }
            }
            return (steps.Select(_ => error).ToList(), lost);
        }

        /// <summary>
        /// A distributed switch: its default security policy and discovery operation in one ReconfigureDvs_Task with the
        /// switch's config version (a stale one is ConcurrentAccess: read it again, three times at most), then Network
        /// I/O Control with EnableNetworkResourceManagement.
        /// </summary>
        private static async Task<(IReadOnlyList<string?> errors, bool lost)> ApplySwitchAsync(VimClient client, string dvsId, IReadOnlyList<RepairStep> steps, CancellationToken cancel)
        {
            // A VMware switch is a VmwareDistributedVirtualSwitch on vCenter; a server that types it as the base type is asked again so.
            var dvs = new VimRef("VmwareDistributedVirtualSwitch", dvsId);
            try { await client.RetrieveObjectAsync(dvs, new[] { "config.configVersion" }, cancel).ConfigureAwait(false); }
            catch (ManagedObjectNotFoundException) { dvs = new VimRef("DistributedVirtualSwitch", dvsId); }
            catch (VimConnectionException ex) { return (steps.Select(_ => (string?)$"not written: the connection to the server was lost before this switch's changes ({ex.Message})").ToList(), true); }
            var errors = new string?[steps.Count];
            var lost = false;
            var values = steps.ToDictionary(s => s.Target, s => s.Value, StringComparer.Ordinal);
            var config = steps.Select((s, i) => (s, i)).Where(x => x.s.Target != "networkResourceManagement").ToList();
            try
            {
                if (config.Count > 0)
                {
                    string? error = null;
                    for (int attempt = 1; attempt <= 3; attempt++)
                    {
                        try
                        {
                            var content = await client.RetrieveObjectAsync(dvs, new[] { "config.configVersion", "config.linkDiscoveryProtocolConfig" }, cancel).ConfigureAwait(false);
                            var w = new SoapWriter("ReconfigureDvs_Task", dvs).Start("spec", "VMwareDVSConfigSpec");
                            if (InventoryMapping.Text(content?["config.configVersion"]) is string version) w.Text("configVersion", version);
                            var security = new[] { "allowPromiscuous", "macChanges", "forgedTransmits" }.Where(values.ContainsKey).ToList();
                            if (security.Count > 0)
                            {
                                w.Start("defaultPortConfig", "VMwareDVSPortSetting").Start("securityPolicy").Bool("inherited", false);
                                foreach (var f in security) w.Start(f).Bool("inherited", false).Bool("value", values[f] == "true").End();
                                w.End().End();
                            }
                            if (values.TryGetValue("discoveryOperation", out var operation))
                            {
                                var protocol = (content?["config.linkDiscoveryProtocolConfig"] as VimObject)?.Text("protocol") ?? "cdp";
                                w.Start("linkDiscoveryProtocolConfig").Text("protocol", protocol).Text("operation", operation).End();
                            }
                            w.End();
                            using (w) await client.InvokeTaskAsync(w, TimeSpan.FromMinutes(2), cancel).ConfigureAwait(false);
                            error = null;
                            break;
                        }
                        catch (VimFaultException ex) when (ex.FaultType == "ConcurrentAccess" && attempt < 3) { error = $"{ex.FaultType}: {ex.Message}"; }
                        catch (VimFaultException ex) when (!(ex is NotAuthenticatedException)) { error = $"{ex.FaultType}: {ex.Message}"; break; }
                    }
                    foreach (var (_, i) in config) errors[i] = error;
                }
                for (int i = 0; i < steps.Count; i++)
                {
                    if (steps[i].Target != "networkResourceManagement") continue;
                    try
                    {
                        using (var w = new SoapWriter("EnableNetworkResourceManagement", dvs).Bool("enable", steps[i].Value == "true")) await client.InvokeAsync(w, cancel).ConfigureAwait(false);
                    }
                    catch (VimFaultException ex) when (!(ex is NotAuthenticatedException)) { errors[i] = $"{ex.FaultType}: {ex.Message}"; }
                }
            }
            catch (VimConnectionException ex)
            {
                lost = true;
                for (int i = 0; i < steps.Count; i++) errors[i] ??= $"the connection to the server was lost during these changes, so they may or may not have been written ({ex.Message}): read the switch again";
            }
            return (errors, lost);
        }

        /// <summary>
        /// A host's standard vSwitches and portgroups: one UpdateVirtualSwitch or UpdatePortGroup per object for all its
        /// changes. Both replace the whole spec, so the spec is echoed as the server holds it with the security
        /// policy's fields changed ("inherit" leaves a portgroup's field unset).
        /// </summary>
        private static async Task<(IReadOnlyList<string?> errors, bool lost)> ApplyStandardNetworkAsync(VimClient client, string hostId, IReadOnlyList<RepairStep> steps, CancellationToken cancel)
        {
            var errors = new string?[steps.Count];
            var lost = false;
            try
            {
                var content = await client.RetrieveObjectAsync(new VimRef("HostSystem", hostId), new[] { "configManager.networkSystem", "config.network.portgroup", "config.network.vswitch" }, cancel).ConfigureAwait(false);
                var manager = content?["configManager.networkSystem"] as VimRef;
                foreach (var group in steps.Select((s, i) => (s, i)).GroupBy(x => x.s.Target))
                {
                    var indexes = group.Select(x => x.i).ToList();
                    void Fail(string why) { foreach (var i in indexes) errors[i] = why; }
                    if (manager == null) { Fail("the host has no network system"); continue; }
                    var changes = group.SelectMany(x => x.s.Arguments ?? new Dictionary<string, string>()).GroupBy(a => a.Key).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
                    var isSwitch = group.Key.StartsWith("vswitch:", StringComparison.Ordinal);
                    var name = group.Key.Substring(group.Key.IndexOf(':') + 1);
                    var list = InventoryMapping.Items(content?[isSwitch ? "config.network.vswitch" : "config.network.portgroup"]).OfType<VimObject>();
                    var item = list.FirstOrDefault(o => (isSwitch ? o.Text("name") : o.Object("spec")?.Text("name")) == name);
                    var spec = item?.Object("spec");
                    if (spec == null) { Fail($"{(isSwitch ? "vSwitch" : "portgroup")} {name} is not on the host any more"); continue; }
                    var w = new SoapWriter(isSwitch ? "UpdateVirtualSwitch" : "UpdatePortGroup", manager).Text(isSwitch ? "vswitchName" : "pgName", name);
                    w.Echo(isSwitch ? "spec" : "portgrp", WithSecurity(spec, changes));
                    try
                    {
                        using (w) await client.InvokeAsync(w, cancel).ConfigureAwait(false);
                    }
                    catch (VimFaultException ex) when (!(ex is NotAuthenticatedException)) { Fail($"{ex.FaultType}: {ex.Message}"); }
                }
            }
            catch (VimConnectionException ex)
            {
                lost = true;
                for (int i = 0; i < steps.Count; i++) errors[i] ??= $"the connection to the server was lost during these changes, so they may or may not have been written ({ex.Message}): read the host again";
            }
            return (errors, lost);
        }

        /// <summary>A copy of a data object with one primitive field set: replaced where it is, else placed after <paramref name="after"/> (or first), as the schema orders it.</summary>
        private static VimObject WithField(VimObject value, string name, string text, string? after)
        {
            var copy = new VimObject { Type = value.Type };
            var placed = false;
            if (after == null || value[after] == null) { copy.Add(name, new VimText(text)); placed = true; }
            foreach (var field in value.Fields)
            {
                if (field.Key == name) { if (!placed) { copy.Add(name, new VimText(text)); placed = true; } continue; }
                copy.Add(field.Key, field.Value);
                if (!placed && field.Key == after) { copy.Add(name, new VimText(text)); placed = true; }
            }
            return copy;
        }

        /// <summary>The spec with its policy's security fields changed (added when the spec had none), everything else as read.</summary>
        private static VimObject WithSecurity(VimObject spec, IReadOnlyDictionary<string, string> changes)
        {
            var copy = new VimObject { Type = spec.Type };
            var hasPolicy = false;
            foreach (var field in spec.Fields)
            {
                if (field.Key == "policy" && field.Value is VimObject policy)
                {
                    hasPolicy = true;
                    copy.Add("policy", PolicyWith(policy, changes));
                }
                else copy.Add(field.Key, field.Value);
            }
            if (!hasPolicy) copy.Add("policy", PolicyWith(new VimObject { Type = "HostNetworkPolicy" }, changes));
            return copy;
        }

        private static VimObject PolicyWith(VimObject policy, IReadOnlyDictionary<string, string> changes)
        {
            var current = policy.Object("security");
            var security = new VimObject { Type = "HostNetworkSecurityPolicy" };
            foreach (var f in new[] { "allowPromiscuous", "macChanges", "forgedTransmits" })
            {
                var v = changes.TryGetValue(f, out var c) ? (c == "inherit" ? null : c) : current?.Text(f);
                if (v != null) security.Add(f, new VimText(v));
            }
            // HostNetworkPolicy: security first, then the rest as read.
            var copy = new VimObject { Type = policy.Type };
            copy.Add("security", security);
            foreach (var field in policy.Fields.Where(f => f.Key != "security")) copy.Add(field.Key, field.Value);
            return copy;
        }

        // An option the server does not hold yet: its type from the value.
        private static string Guess(string value) =>
            long.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out _) ? "long"
            : value == "true" || value == "false" ? "boolean" : "string";
    }
}
