import { awsAccessKeyDetector } from './aws-access-key.js';
import { bearerTokenDetector } from './bearer-token.js';
import type { Detector } from './detector.js';
import { emailDetector } from './email.js';
import { ibanDetector } from './iban.js';
import { jwtDetector } from './jwt.js';
import { paymentCardDetector } from './payment-card.js';
import { personNameDetector } from './person-name.js';
import { phoneDetector } from './phone.js';
import { privateKeyDetector } from './private-key.js';
import { secretDetector } from './secret.js';
import { ssnDetector } from './ssn.js';

/**
 * Every detector, in priority order: when two detections overlap, the earlier one here wins
 * (a JWT inside `Bearer …` is reported as the bearer token; a card's digits are not a phone;
 * a basic-auth URL's user name is the secret, not a person's name).
 */
export const ALL_DETECTORS: readonly Detector[] = [
  privateKeyDetector,
  secretDetector,
  bearerTokenDetector,
  jwtDetector,
  awsAccessKeyDetector,
  emailDetector,
  ibanDetector,
  paymentCardDetector,
  ssnDetector,
  phoneDetector,
  personNameDetector,
];
