using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using Newtonsoft.Json.Linq;
using VirtCompliance.Assessments;
using VirtCompliance.Common;
using VirtCompliance.Model;
using VirtCompliance.Reporting;
using Xunit;

namespace VirtCompliance.Tests.Reporting
{
    /// <summary>A signed bundle: the manifest's detached CMS signature, made and checked with certificates made here (no key is kept anywhere).</summary>
    public class EvidenceSignatureTests
    {
        private static readonly Lazy<Inventory> Sample = new Lazy<Inventory>(() => InventorySnapshot.Read(Lab.SamplePath));

        private static X509Certificate2 NewCertificate(string name, X509KeyUsageFlags? usage = null)
        {
            using var rsa = RSA.Create(2048);
            var request = new CertificateRequest($"CN={name}, O=VirtCompliance tests", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            if (usage != null) request.CertificateExtensions.Add(new X509KeyUsageExtension(usage.Value, critical: true));
            return request.CreateSelfSigned(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2035, 1, 1, 0, 0, 0, TimeSpan.Zero));
        }

        private static readonly Lazy<X509Certificate2> Evidence = new Lazy<X509Certificate2>(() => NewCertificate("Evidence signer"));
        private static readonly Lazy<X509Certificate2> Other = new Lazy<X509Certificate2>(() => NewCertificate("Someone else"));

        private static string SignedBundle(TempFolder dir, X509Certificate2 signer, string name = "bundle")
        {
            var path = dir.File(name);
            Assessment.Evidence(Sample.Value, new AssessmentOptions(), path, "0.1.0.0", signer: signer);
            return path;
        }

        private static EvidenceCheck Signature(string bundle, EvidenceSignaturePolicy policy = null) =>
            EvidenceVerifier.Verify(bundle, policy).Single(c => c.File == "manifest.json");

        /// <summary>What someone who edits a file does to hide it: the file's hash and size recomputed in the manifest.</summary>
        private static void EditAndRehash(string bundle, string file)
        {
            var path = Path.Combine(bundle, file);
            var bytes = File.ReadAllBytes(path);
            bytes[bytes.Length / 2] ^= 0x01;
            File.WriteAllBytes(path, bytes);
            var manifest = JObject.Parse(File.ReadAllText(Path.Combine(bundle, "manifest.json")));
            var entry = ((JArray)manifest["files"]!).Single(f => (string)f["name"]! == file);
            entry["sha256"] = AtomicFile.Sha256Hex(bytes);
            entry["bytes"] = bytes.LongLength;
            File.WriteAllText(Path.Combine(bundle, "manifest.json"), manifest.ToString() + "\n");
        }

        private static string Sha256Hex(byte[] data)
        {
            using var sha = SHA256.Create();
            return string.Concat(sha.ComputeHash(data).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
        }

        [Fact]
        public void A_signed_bundle_verifies_and_names_its_signer()
        {
            using var dir = new TempFolder();
            var bundle = SignedBundle(dir, Evidence.Value);
            Assert.True(File.Exists(Path.Combine(bundle, "manifest.json.p7s")));

            var checks = EvidenceVerifier.Verify(bundle);
            var signature = checks[0];
            Assert.Equal(("manifest.json", EvidenceStatus.Ok), (signature.File, signature.Status));
            Assert.Equal(Evidence.Value.Subject, signature.Signer);
            Assert.Equal(Evidence.Value.Thumbprint, signature.SignerThumbprint);
            Assert.Contains(Evidence.Value.Subject, signature.Message);
            // The signing time is the manifest's creation time, to the second (what CMS keeps).
            var created = DateTimeOffset.Parse((string)JObject.Parse(File.ReadAllText(Path.Combine(bundle, "manifest.json")))["createdAt"]!, CultureInfo.InvariantCulture);
            Assert.Equal(created.UtcTicks - created.UtcTicks % TimeSpan.TicksPerSecond, signature.SignedAt!.Value.UtcTicks);
            // The signature file is no unlisted extra, and every file is as listed.
            Assert.All(checks, c => Assert.Equal(EvidenceStatus.Ok, c.Status));
            Assert.DoesNotContain(checks, c => c.File == "manifest.json.p7s");

            // Pinned by the certificate, by its SHA-1 thumbprint, by its SHA-256 written with colons, or required: each passes.
            var sha256 = string.Join(":", Enumerable.Range(0, 32).Select(i => Sha256Hex(Evidence.Value.RawData).Substring(i * 2, 2)));
            foreach (var policy in new[]
            {
                new EvidenceSignaturePolicy { TrustedCertificates = new[] { X509CertificateLoader.LoadCertificate(Evidence.Value.RawData) } },
                new EvidenceSignaturePolicy { TrustedThumbprints = new[] { Evidence.Value.Thumbprint.ToLowerInvariant() } },
                new EvidenceSignaturePolicy { TrustedThumbprints = new[] { sha256 } },
                new EvidenceSignaturePolicy { Required = true },
            })
            {
                var pinned = EvidenceVerifier.Verify(bundle, policy);
                Assert.Equal(EvidenceStatus.Ok, pinned[0].Status);
                Assert.True(EvidenceVerifier.Passed(pinned, policy));
            }
        }

        [Fact]
        public void The_signature_carries_the_public_certificate_and_no_file_of_the_bundle_holds_the_private_key()
        {
            using var dir = new TempFolder();
            using var rsa = RSA.Create(2048);
            var request = new CertificateRequest("CN=Key check", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2035, 1, 1, 0, 0, 0, TimeSpan.Zero));
            var bundle = SignedBundle(dir, certificate);

            var cms = new SignedCms(new ContentInfo(File.ReadAllBytes(Path.Combine(bundle, "manifest.json"))), detached: true);
            cms.Decode(File.ReadAllBytes(Path.Combine(bundle, "manifest.json.p7s")));
            var carried = Assert.Single(cms.Certificates.Cast<X509Certificate2>());
            Assert.Equal(certificate.RawData, carried.RawData);
            Assert.False(carried.HasPrivateKey);

            // The private exponent, the secret half of the key, appears in no file.
            var secret = rsa.ExportParameters(includePrivateParameters: true).D!;
            foreach (var file in Directory.GetFiles(bundle))
            {
                var bytes = File.ReadAllBytes(file);
                Assert.False(Enumerable.Range(0, bytes.Length - secret.Length + 1).Any(i => bytes.AsSpan(i, secret.Length).SequenceEqual(secret)), file);
            }
        }

        [Fact]
        public void One_byte_changed_in_a_file_with_its_hash_recomputed_in_the_manifest_is_tampered()
        {
            using var dir = new TempFolder();
            var bundle = SignedBundle(dir, Evidence.Value);
            EditAndRehash(bundle, "pci-separation.json");

            var checks = EvidenceVerifier.Verify(bundle);
            // The hashes alone are fooled: the edited file matches the manifest that was rewritten for it.
            Assert.Equal(EvidenceStatus.Ok, checks.Single(c => c.File == "pci-separation.json").Status);
            // The signature is not.
            var signature = checks.Single(c => c.File == "manifest.json");
            Assert.Equal(EvidenceStatus.Tampered, signature.Status);
            Assert.Contains("changed after it was signed", signature.Message);
            Assert.Contains(Evidence.Value.Thumbprint, signature.Message);
            Assert.False(EvidenceVerifier.Passed(checks));
        }

        [Fact]
        public void A_bundle_signed_by_another_certificate_than_the_pinned_one_names_both()
        {
            using var dir = new TempFolder();
            var bundle = SignedBundle(dir, Other.Value);
            var policy = new EvidenceSignaturePolicy { TrustedCertificates = new[] { Evidence.Value } };

            var signature = Signature(bundle, policy);
            Assert.Equal(EvidenceStatus.UntrustedSigner, signature.Status);
            Assert.Equal(Other.Value.Subject, signature.Signer);
            Assert.Contains($"signed by {Other.Value.Subject} (thumbprint {Other.Value.Thumbprint}), not by the expected signer: {Evidence.Value.Subject} (thumbprint {Evidence.Value.Thumbprint})", signature.Message);
            Assert.False(EvidenceVerifier.Passed(EvidenceVerifier.Verify(bundle, policy), policy));
            Assert.Equal(EvidenceStatus.UntrustedSigner, Signature(bundle, new EvidenceSignaturePolicy { TrustedThumbprints = new[] { Evidence.Value.Thumbprint } }).Status);
        }

        [Fact]
        public void A_tampered_bundle_signed_again_with_the_tamperers_own_key_verifies_only_as_theirs()
        {
            using var dir = new TempFolder();
            var bundle = SignedBundle(dir, Evidence.Value);
            EditAndRehash(bundle, "host-control-drift.json");
            var manifest = File.ReadAllBytes(Path.Combine(bundle, "manifest.json"));
            File.WriteAllBytes(Path.Combine(bundle, "manifest.json.p7s"), EvidenceSignature.Sign(manifest, Other.Value, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)));

            // Unpinned, the signature is sound: it names who made it, which is why an assessor pins the signer.
            var unpinned = Signature(bundle);
            Assert.Equal((EvidenceStatus.Ok, Other.Value.Subject), (unpinned.Status, unpinned.Signer));
            Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), unpinned.SignedAt);
            Assert.Equal(EvidenceStatus.UntrustedSigner, Signature(bundle, new EvidenceSignaturePolicy { TrustedCertificates = new[] { Evidence.Value } }).Status);
        }

        [Fact]
        public void An_unsigned_bundle_says_so_and_fails_when_a_signature_is_required()
        {
            using var dir = new TempFolder();
            var bundle = dir.File("bundle");
            Assessment.Evidence(Sample.Value, new AssessmentOptions(), bundle, "0.1.0.0");
            var checks = EvidenceVerifier.Verify(bundle);
            Assert.Equal(EvidenceStatus.Unsigned, checks[0].Status);
            Assert.Null(checks[0].Signer);
            Assert.True(EvidenceVerifier.Passed(checks));
            foreach (var policy in new[] { new EvidenceSignaturePolicy { Required = true }, new EvidenceSignaturePolicy { TrustedCertificates = new[] { Evidence.Value } }, new EvidenceSignaturePolicy { VerifyChain = true } })
            {
                var required = EvidenceVerifier.Verify(bundle, policy);
                Assert.Equal(EvidenceStatus.Unsigned, required[0].Status);
                Assert.Contains("a signature is required", required[0].Message);
                Assert.False(EvidenceVerifier.Passed(required, policy));
            }
        }

        [Theory]
        [InlineData("garbage")]
        [InlineData("empty")]
        [InlineData("link")]
        public void A_signature_file_that_is_no_signature_is_tampered(string kind)
        {
            using var dir = new TempFolder();
            var bundle = SignedBundle(dir, Evidence.Value);
            var signature = Path.Combine(bundle, "manifest.json.p7s");
            switch (kind)
            {
                case "garbage": File.WriteAllText(signature, "-----BEGIN PKCS7-----\nnot a signature\n"); break;
                case "empty": File.WriteAllBytes(signature, Array.Empty<byte>()); break;
                default:
                    var outside = dir.File("outside.p7s");
                    File.Move(signature, outside);
                    File.CreateSymbolicLink(signature, outside);
                    break;
            }
            var check = Signature(bundle);
            Assert.Equal(EvidenceStatus.Tampered, check.Status);
            Assert.Contains("manifest.json.p7s", check.Message);
        }

        [Fact]
        public void A_chain_check_does_not_trust_a_self_signed_certificate()
        {
            using var dir = new TempFolder();
            var bundle = SignedBundle(dir, Evidence.Value);
            var check = Signature(bundle, new EvidenceSignaturePolicy { VerifyChain = true });
            Assert.Equal(EvidenceStatus.UntrustedSigner, check.Status);
            Assert.Contains("does not trust", check.Message);
        }

        [Fact]
        public void A_certificate_without_its_private_key_or_not_for_signing_is_refused_and_nothing_is_written()
        {
            using var dir = new TempFolder();
            var publicOnly = X509CertificateLoader.LoadCertificate(Evidence.Value.RawData);
            var error = Assert.Throws<ArgumentException>(() => SignedBundle(dir, publicOnly, "no-key"));
            Assert.Contains("has no private key", error.Message);
            Assert.Contains(Evidence.Value.Thumbprint, error.Message);
            Assert.False(Directory.Exists(dir.File("no-key")));

            using var encryptionOnly = NewCertificate("Encryption only", X509KeyUsageFlags.KeyEncipherment);
            Assert.Contains("may not sign", Assert.Throws<ArgumentException>(() => SignedBundle(dir, encryptionOnly, "wrong-usage")).Message);
            Assert.False(Directory.Exists(dir.File("wrong-usage")));
            Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
        }

        [Theory]
        [InlineData("abc")]
        [InlineData("3B1EFD3A66EA28B16697394703A72CA340A05BDZ")]
        [InlineData("")]
        public void A_thumbprint_that_is_not_one_is_refused(string thumbprint) =>
            Assert.Contains("not a certificate thumbprint", Assert.Throws<ArgumentException>(() => EvidenceSignaturePolicy.NormalizeThumbprint(thumbprint)).Message);
    }
}
