using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;

namespace VirtCompliance.Reporting
{
    /// <summary>
    /// What Test-ComplianceEvidence asks of a bundle's signature. By default a signature is checked when there is
    /// one (signature only: it must match the manifest's bytes and carry its signer's certificate) and an unsigned
    /// bundle passes as Unsigned. Pinning a signer, asking for the chain or <see cref="Required"/> make a signature
    /// necessary.
    /// </summary>
    public sealed class EvidenceSignaturePolicy
    {
        /// <summary>An unsigned bundle fails.</summary>
        public bool Required { get; init; }
        /// <summary>The signer must be one of these certificates (compared byte for byte).</summary>
        public IReadOnlyList<X509Certificate2> TrustedCertificates { get; init; } = Array.Empty<X509Certificate2>();
        /// <summary>The signer's certificate must have one of these thumbprints: SHA-1 (as Windows and the Cert: drive show it) or SHA-256, hex.</summary>
        public IReadOnlyList<string> TrustedThumbprints { get; init; } = Array.Empty<string>();
        /// <summary>
        /// The signer's certificate must also chain to a root this machine trusts, be valid today and be allowed to
        /// sign, as the platform judges it (SignerInfo.CheckSignature with verifySignatureOnly false).
        /// </summary>
        public bool VerifyChain { get; init; }

        internal bool PinsSigner => TrustedCertificates.Count > 0 || TrustedThumbprints.Count > 0;
        internal bool SignatureRequired => Required || PinsSigner || VerifyChain;

        /// <summary>A thumbprint as the module compares it: hex digits only, upper case; separators (spaces, colons) dropped.</summary>
        public static string NormalizeThumbprint(string thumbprint)
        {
            var hex = new string((thumbprint ?? "").Where(ch => !char.IsWhiteSpace(ch) && ch != ':').ToArray()).ToUpperInvariant();
            if ((hex.Length != 40 && hex.Length != 64) || hex.Any(ch => !Uri.IsHexDigit(ch)))
                throw new ArgumentException($"'{thumbprint}' is not a certificate thumbprint: 40 hex digits (SHA-1, as the Cert: drive shows it) or 64 (SHA-256).", nameof(thumbprint));
            return hex;
        }
    }

    /// <summary>
    /// The detached CMS (PKCS#7) signature of a bundle's manifest, written as manifest.json.p7s next to it. The
    /// manifest holds the SHA-256 of every other file, so signing its bytes signs the whole bundle: a file changed
    /// and its hash recomputed in the manifest no longer matches the signature. The signature carries the signer's
    /// certificate (never its private key), so a verifier can name the signer without anything else.
    /// </summary>
    public static class EvidenceSignature
    {
        public const string FileName = EvidenceBundle.ManifestName + ".p7s";

        /// <summary>A signature with its one certificate is a few kilobytes; anything much larger is not one.</summary>
        public const long MaxSignatureBytes = 1024 * 1024;

        private static readonly Oid Sha256 = new Oid("2.16.840.1.101.3.4.2.1");

        /// <summary>Refuses a certificate that cannot sign: no private key, or a key usage that does not allow signatures.</summary>
        public static void CheckCanSign(X509Certificate2 certificate)
        {
            if (certificate == null) throw new ArgumentNullException(nameof(certificate));
            if (!certificate.HasPrivateKey)
                throw new ArgumentException($"The certificate {certificate.Subject} (thumbprint {certificate.Thumbprint}) has no private key, and signing needs it: use the certificate from a .pfx file with its key, or from a certificate store that holds the key.");
            var usage = certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
            if (usage != null && (usage.KeyUsages & (X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation)) == 0)
                throw new ArgumentException($"The certificate {certificate.Subject} (thumbprint {certificate.Thumbprint}) may not sign: its key usage is {usage.KeyUsages}, without DigitalSignature or NonRepudiation.");
        }

        /// <summary>The detached signature of <paramref name="manifest"/>, SHA-256, with the signing time and the signer's certificate alone.</summary>
        public static byte[] Sign(byte[] manifest, X509Certificate2 certificate, DateTimeOffset signingTime)
        {
            CheckCanSign(certificate);
            var cms = new SignedCms(new ContentInfo(manifest), detached: true);
            var signer = new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, certificate)
            {
                DigestAlgorithm = Sha256,
                // The signer's certificate only: the verifier names the signer from it, and a chain check finds the rest in its own stores.
                IncludeOption = X509IncludeOption.EndCertOnly,
            };
            signer.SignedAttributes.Add(new Pkcs9SigningTime(signingTime.UtcDateTime));
            // silent: a scheduled job has nobody to answer a key-access prompt.
            cms.ComputeSignature(signer, silent: true);
            return cms.Encode();
        }

        /// <summary>The check of <paramref name="signature"/> (null: the bundle has none) against the manifest's bytes.</summary>
        internal static EvidenceCheck Verify(string bundle, byte[] manifest, byte[]? signature, EvidenceSignaturePolicy policy)
        {
            var check = new EvidenceCheck { Bundle = bundle, File = EvidenceBundle.ManifestName };
            if (signature == null)
                return check with
                {
                    Status = EvidenceStatus.Unsigned,
                    Message = policy.SignatureRequired
                        ? $"{EvidenceBundle.ManifestName} is not signed ({FileName} is missing), and a signature is required."
                        : $"{EvidenceBundle.ManifestName} is not signed: the hashes show that the files match the manifest, not who wrote it (Save-ComplianceEvidence -Certificate signs a bundle).",
                };
            SignedCms cms;
            try
            {
                cms = new SignedCms(new ContentInfo(manifest), detached: true);
                cms.Decode(signature);
            }
            catch (CryptographicException ex)
            {
                return check with { Status = EvidenceStatus.Tampered, Message = $"{FileName} is not a CMS signature: {ex.Message}" };
            }
            if (cms.SignerInfos.Count != 1)
                return check with { Status = EvidenceStatus.Tampered, Message = $"{FileName} has {cms.SignerInfos.Count} signers; a bundle is signed by one." };
            var signer = cms.SignerInfos[0];
            var certificate = signer.Certificate;
            if (certificate == null)
                return check with { Status = EvidenceStatus.Tampered, Message = $"{FileName} does not carry its signer's certificate, so nothing can check it." };
            check = check with
            {
                Signer = certificate.Subject,
                SignerThumbprint = certificate.Thumbprint,
                SignedAt = signer.SignedAttributes.Cast<CryptographicAttributeObject>().SelectMany(a => a.Values.Cast<AsnEncodedData>()).OfType<Pkcs9SigningTime>()
                    .Select(t => (DateTimeOffset?)new DateTimeOffset(DateTime.SpecifyKind(t.SigningTime, DateTimeKind.Utc))).FirstOrDefault(),
            };
            var who = $"{certificate.Subject} (thumbprint {certificate.Thumbprint})";
            try
            {
                cms.CheckSignature(verifySignatureOnly: true);
            }
            catch (CryptographicException)
            {
                return check with { Status = EvidenceStatus.Tampered, Message = $"{EvidenceBundle.ManifestName} does not match its signature by {who}: the manifest was changed after it was signed." };
            }
            if (policy.PinsSigner && !IsTrusted(certificate, policy))
            {
                var expected = policy.TrustedCertificates.Select(c => $"{c.Subject} (thumbprint {c.Thumbprint})").Concat(policy.TrustedThumbprints.Select(t => "thumbprint " + t));
                return check with { Status = EvidenceStatus.UntrustedSigner, Message = $"{EvidenceBundle.ManifestName} is signed by {who}, not by the expected signer: {string.Join(" or ", expected)}." };
            }
            if (policy.VerifyChain)
            {
                try
                {
                    cms.CheckSignature(verifySignatureOnly: false);
                }
                catch (CryptographicException ex)
                {
                    return check with { Status = EvidenceStatus.UntrustedSigner, Message = $"{EvidenceBundle.ManifestName} is signed by {who}, whose certificate this machine does not trust for signing today: {ex.Message}" };
                }
            }
            var when = check.SignedAt == null ? "" : " at " + check.SignedAt.Value.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";
            return check with { Status = EvidenceStatus.Ok, Message = $"signed by {who}{when}" + (policy.PinsSigner ? ", the expected signer." : policy.VerifyChain ? ", trusted by this machine." : ".") };
        }

        private static bool IsTrusted(X509Certificate2 signer, EvidenceSignaturePolicy policy)
        {
            if (policy.TrustedCertificates.Any(c => c.RawData.SequenceEqual(signer.RawData))) return true;
            string sha256;
            using (var sha = SHA256.Create()) sha256 = string.Concat(sha.ComputeHash(signer.RawData).Select(b => b.ToString("X2", CultureInfo.InvariantCulture)));
            return policy.TrustedThumbprints.Select(EvidenceSignaturePolicy.NormalizeThumbprint)
                .Any(t => string.Equals(t, signer.Thumbprint, StringComparison.OrdinalIgnoreCase) || string.Equals(t, sha256, StringComparison.Ordinal));
        }
    }
}
