package dev.fanout.internal;

import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

import java.util.Objects;

/**
 * One attempt of a request, started afresh at every subscription (a retry re-subscribes):
 * {@code Mono.defer(attempt::start).flatMap(check).doOnError(attempt::failed)} as one Mono and one
 * subscriber per attempt, on the path every request takes (that chain cost two subscribers, the
 * flatMap's lambda and its {@code Mono.just} or {@code Mono.error} per attempt, and three Monos and
 * two lambdas per request).
 *
 * <p>A value that {@link Attempt#check} turns into an error (a status the retry policy retries) is
 * signalled straight to the subscriber. Like {@code flatMap}'s inner error it does not go through
 * {@code Operators.onNextError}, so a caller's {@code onErrorContinue} cannot swallow it and with it the
 * retry (what {@code handle} or {@code map} would allow); unlike {@code flatMap}'s {@code Mono.error}
 * inner, it does not go through {@code Hooks.onOperatorError} either, so that the retry stage sees the
 * failure itself, whatever hook a user installed. Every error (the exchange's, the check's, or one
 * thrown by {@link Attempt#start}) goes to {@link Attempt#failed} first. As with {@code flatMap} over a
 * {@code Mono.just}, a value that passes completes the subscriber at once; later signals are dropped.
 */
final class CheckedAttempt<T> extends Mono<T> {

    /** What one attempt does: start the exchange, check its value, record a failure. */
    interface Attempt<T> {

        /** A fresh exchange for this attempt; called once per subscription. */
        Mono<T> start();

        /** The error {@code value} becomes instead of being passed on, or null to pass it on. */
        Throwable check(T value);

        /** Records a failed attempt, before the error goes on; should it throw, that is the error signalled. */
        void failed(Throwable error);
    }

    private final Attempt<T> attempt;

    private CheckedAttempt(Attempt<T> attempt) {
        this.attempt = attempt;
    }

    /** A Mono that runs {@code attempt} once per subscription. */
    static <T> Mono<T> of(Attempt<T> attempt) {
        return onAssembly(new CheckedAttempt<>(Objects.requireNonNull(attempt, "attempt")));
    }

    @Override
    public void subscribe(CoreSubscriber<? super T> actual) {
        Mono<T> source;
        try {
            source = Objects.requireNonNull(attempt.start(), "the attempt started nothing");
        } catch (Throwable e) {
            Exceptions.throwIfJvmFatal(e);
            Operators.error(actual, recorded(attempt, Operators.onOperatorError(e, actual.currentContext())));
            return;
        }
        source.subscribe(new CheckingSubscriber<>(actual, attempt));
    }

    /** {@code error} after {@link Attempt#failed} has recorded it, or what {@code failed} threw, with {@code error} suppressed (as {@code doOnError}). */
    private static Throwable recorded(Attempt<?> attempt, Throwable error) {
        try {
            attempt.failed(error);
            return error;
        } catch (Throwable e) {
            Exceptions.throwIfJvmFatal(e);
            return Exceptions.addSuppressed(e, error);
        }
    }

    private static final class CheckingSubscriber<T> implements CoreSubscriber<T>, Subscription {

        private final CoreSubscriber<? super T> actual;
        private final Attempt<T> attempt;
        private Subscription upstream;
        /** The subscriber has its terminal signal (a value passed, or became the error): later signals are dropped. */
        private boolean done;

        CheckingSubscriber(CoreSubscriber<? super T> actual, Attempt<T> attempt) {
            this.actual = actual;
            this.attempt = attempt;
        }

        @Override
        public Context currentContext() {
            return actual.currentContext();
        }

        @Override
        public void onSubscribe(Subscription s) {
            if (Operators.validate(upstream, s)) {
                upstream = s;
                actual.onSubscribe(this);
            }
        }

        @Override
        public void onNext(T value) {
            if (done) {
                Operators.onNextDropped(value, actual.currentContext());
                return;
            }
            Throwable failure;
            try {
                failure = attempt.check(value);
            } catch (Throwable e) {
                Exceptions.throwIfJvmFatal(e);
                failure = e; // the attempt's error, like a status it retries
            }
            done = true;
            if (failure == null) {
                actual.onNext(value); // a Mono's one value: complete now, as flatMap did with its Mono.just
                actual.onComplete();
            } else {
                upstream.cancel(); // the subscriber has its terminal signal: as flatMap did, nothing more is wanted
                actual.onError(recorded(attempt, failure));
            }
        }

        @Override
        public void onError(Throwable error) {
            if (done) {
                Operators.onErrorDropped(error, actual.currentContext());
                return;
            }
            done = true;
            actual.onError(recorded(attempt, error));
        }

        @Override
        public void onComplete() {
            if (done) {
                return; // after the value
            }
            done = true;
            actual.onComplete();
        }

        @Override
        public void request(long n) {
            upstream.request(n);
        }

        @Override
        public void cancel() {
            upstream.cancel();
        }
    }
}
