using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.X509;

namespace MailSender.Deliverability.Doctor;

/// <summary>Reads a DKIM private key (RSA or Ed25519, PEM) into what its DNS record must publish in <c>p=</c>.</summary>
internal static class DkimKeys
{
    /// <summary>
    /// The key type (<c>rsa</c> or <c>ed25519</c>, as in the record's <c>k=</c>) and the public key as published: the
    /// SubjectPublicKeyInfo for RSA (RFC 6376), the raw 32 bytes for Ed25519 (RFC 8463).
    /// </summary>
    public static (string Type, byte[] PublicKey) PublicKeyOf(string pem)
    {
        object? read;
        try
        {
            using var reader = new PemReader(new StringReader(pem));
            read = reader.ReadObject();
        }
        catch (Exception e) when (e is IOException or PemException or ArgumentException or InvalidCastException)
        {
            throw Unreadable(e);
        }

        var key = read switch
        {
            AsymmetricCipherKeyPair pair => pair.Private,
            AsymmetricKeyParameter parameter => parameter,
            _ => null,
        };
        return key switch
        {
            RsaPrivateCrtKeyParameters rsa => ("rsa", SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(new RsaKeyParameters(false, rsa.Modulus, rsa.PublicExponent)).GetDerEncoded()),
            Ed25519PrivateKeyParameters ed25519 => ("ed25519", ed25519.GeneratePublicKey().GetEncoded()),
            _ => throw Unreadable(null),
        };
    }

    private static ArgumentException Unreadable(Exception? inner) =>
        new("The DKIM private key cannot be read: give an RSA or Ed25519 private key in PEM (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY).", inner);

    /// <summary>The size in bits of a published RSA key, or null when <paramref name="spki"/> is not one.</summary>
    public static int? RsaBits(byte[] spki)
    {
        using var rsa = RSA.Create();
        try
        {
            rsa.ImportSubjectPublicKeyInfo(spki, out _);
            return rsa.KeySize;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
