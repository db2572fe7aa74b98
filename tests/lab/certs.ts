/**
 * The lab's certificate authorities and leaf certificates, made fresh at every
 * start so that "expires in 5 days" is always true and nothing secret lives on disk.
 */
import { webcrypto } from 'node:crypto';

// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

// ECDSA P-256 keys take a millisecond to make, so a lab start stays fast.
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY_MS = 86_400_000;

/**
 * Who signs a leaf: the trusted lab chain, the untrusted chain, the leaf itself,
 * or a trusted intermediate that the lab root signed with SHA-1 (badssl's sha1-intermediate).
 */
export type Issuer = 'lab' | 'untrusted' | 'self' | 'lab-sha1';

/** What one leaf certificate looks like and what the server sends with it. */
export interface LeafSpec {
  /** The subjectAltName dNSNames; the first is also the common name. */
  names: string[];
  issuer: Issuer;
  notBefore: Date;
  notAfter: Date;
  /** `full` sends leaf + intermediate, `leaf-only` forgets the intermediate. */
  chain: 'full' | 'leaf-only';
  /** The leaf's key: ECDSA P-256 (default) or a 1024-bit RSA key (badssl's rsa1024). */
  key?: 'ec' | 'rsa-1024';
  /** The digest the issuer signs the leaf with: SHA-256 (default) or SHA-1. */
  signatureHash?: 'SHA-256' | 'SHA-1';
  /** `false` leaves out the subjectAltName: the name is in the subject CN only (badssl's no-san). */
  subjectAltName?: boolean;
  /** `false` issues with an empty subject, the name only in the subjectAltName (badssl's no-subject). */
  subject?: boolean;
}

/** A private key and the PEM chain a TLS server presents, ready for `tls.createSecureContext`. */
export interface Credentials {
  key: string;
  cert: string;
}

/** The lab's public key infrastructure: a trusted root to hand to the engine, and a leaf factory. */
export interface LabPki {
  /** The trusted lab root CA, PEM: the only certificate `CHECKS_EXTRA_CA_FILE` holds. */
  rootPem: string;
  /** The untrusted root, PEM: never given to the engine, useful to tests that build their own trust. */
  untrustedRootPem: string;
  /** Makes a key and a certificate as `spec` says. */
  issue(spec: LeafSpec): Promise<Credentials>;
}

interface Authority {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
}

/** A date `days` days from now (negative for the past). */
export function daysFromNow(days: number): Date {
  return new Date(Date.now() + days * DAY_MS);
}

const RSA_1024 = {
  name: 'RSASSA-PKCS1-v1_5',
  modulusLength: 1024,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: 'SHA-256',
};

async function keyPair(kind: 'ec' | 'rsa-1024' = 'ec'): Promise<CryptoKeyPair> {
  const algorithm = kind === 'ec' ? ALGORITHM : RSA_1024;
  return (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function caExtensions(keys: CryptoKeyPair, pathLength: number | undefined): Promise<x509.Extension[]> {
  return [
    new x509.BasicConstraintsExtension(true, pathLength, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
}

async function createRoot(name: string): Promise<Authority> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${name}`,
    keys,
    signingAlgorithm: ALGORITHM,
    notBefore: daysFromNow(-365),
    notAfter: daysFromNow(3650),
    extensions: await caExtensions(keys, undefined),
  });
  return { cert, keys };
}

async function createIntermediate(parent: Authority, name: string, hash = 'SHA-256'): Promise<Authority> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${name}`,
    issuer: parent.cert.subject,
    publicKey: keys.publicKey,
    signingKey: parent.keys.privateKey,
    signingAlgorithm: { ...ALGORITHM, hash },
    notBefore: daysFromNow(-365),
    notAfter: daysFromNow(1825),
    extensions: [
      ...(await caExtensions(keys, 0)),
      await x509.AuthorityKeyIdentifierExtension.create(parent.keys.publicKey),
    ],
  });
  return { cert, keys };
}

function leafExtensions(names: string[], subjectAltName: boolean): x509.Extension[] {
  return [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    ...(subjectAltName
      ? [new x509.SubjectAlternativeNameExtension(names.map((value) => ({ type: 'dns' as const, value })))]
      : []),
  ];
}

async function privateKeyPem(keys: CryptoKeyPair): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
}

/** Creates the trusted lab root → intermediate and a separate untrusted root → intermediate. */
export async function createPki(): Promise<LabPki> {
  const [labRoot, untrustedRoot] = await Promise.all([
    createRoot('Tracklight Lab Root CA'),
    createRoot('Untrusted Lab Root CA'),
  ]);
  const intermediates: Record<Exclude<Issuer, 'self'>, Authority> = {
    lab: await createIntermediate(labRoot, 'Tracklight Lab Intermediate CA'),
    untrusted: await createIntermediate(untrustedRoot, 'Untrusted Lab Intermediate CA'),
    'lab-sha1': await createIntermediate(labRoot, 'Tracklight Lab SHA-1 Intermediate CA', 'SHA-1'),
  };

  async function issue(spec: LeafSpec): Promise<Credentials> {
    const keys = await keyPair(spec.key);
    const common = {
      signingAlgorithm: { ...ALGORITHM, hash: spec.signatureHash ?? 'SHA-256' },
      notBefore: spec.notBefore,
      notAfter: spec.notAfter,
      extensions: leafExtensions(spec.names, spec.subjectAltName ?? true),
    };
    const name = spec.subject === false ? '' : `CN=${spec.names[0] ?? 'lab'}`;
    if (spec.issuer === 'self') {
      const cert = await x509.X509CertificateGenerator.createSelfSigned({
        ...common,
        signingAlgorithm: spec.key === 'rsa-1024' ? RSA_1024 : common.signingAlgorithm,
        name,
        keys,
      });
      return { key: await privateKeyPem(keys), cert: cert.toString('pem') };
    }
    const authority = intermediates[spec.issuer];
    const cert = await x509.X509CertificateGenerator.create({
      ...common,
      subject: name,
      issuer: authority.cert.subject,
      publicKey: keys.publicKey,
      signingKey: authority.keys.privateKey,
      extensions: [...common.extensions, await x509.AuthorityKeyIdentifierExtension.create(authority.keys.publicKey)],
    });
    const chain = spec.chain === 'full' ? [cert, authority.cert] : [cert];
    return { key: await privateKeyPem(keys), cert: chain.map((item) => item.toString('pem')).join('\n') };
  }

  return {
    rootPem: labRoot.cert.toString('pem'),
    untrustedRootPem: untrustedRoot.cert.toString('pem'),
    issue,
  };
}
