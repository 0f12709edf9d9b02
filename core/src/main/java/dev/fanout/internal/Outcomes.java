package dev.fanout.internal;

import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoOperator;
import reactor.core.publisher.Operators;

import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A Mono's value, error or empty completion turned into one value:
 * {@code map(onValue).onErrorResume(e -> just(onError(e))).switchIfEmpty(fromSupplier(onEmpty))} in one
 * subscriber instead of three (and the two Monos the error and empty branches would build), on the path
 * every request takes. As with that chain, a failing {@code onValue} goes to {@code onError}, and a
 * failing {@code onError} or {@code onEmpty} is signalled as the error.
 */
final class Outcomes<T, R> extends MonoOperator<T, R> {

    private final Function<? super T, ? extends R> onValue;
    private final Function<? super Throwable, ? extends R> onError;
    private final Supplier<? extends R> onEmpty;

    private Outcomes(Mono<? extends T> source, Function<? super T, ? extends R> onValue,
                     Function<? super Throwable, ? extends R> onError, Supplier<? extends R> onEmpty) {
        super(source);
        this.onValue = onValue;
        this.onError = onError;
        this.onEmpty = onEmpty;
    }

    /** One value for every way {@code source} can end; the functions must not return null. */
    static <T, R> Mono<R> fold(Mono<? extends T> source, Function<? super T, ? extends R> onValue,
                               Function<? super Throwable, ? extends R> onError, Supplier<? extends R> onEmpty) {
        return onAssembly(new Outcomes<>(source, onValue, onError, onEmpty));
    }

    @Override
    public void subscribe(CoreSubscriber<? super R> actual) {
        source.subscribe(new FoldSubscriber<>(actual, onValue, onError, onEmpty));
    }

    static final class FoldSubscriber<T, R> extends Operators.MonoSubscriber<T, R> {

        private final Function<? super T, ? extends R> onValue;
        private final Function<? super Throwable, ? extends R> onError;
        private final Supplier<? extends R> onEmpty;
        private Subscription upstream;
        /** The source's value (or error) arrived: a later completion adds nothing. */
        private boolean ended;

        FoldSubscriber(CoreSubscriber<? super R> actual, Function<? super T, ? extends R> onValue,
                       Function<? super Throwable, ? extends R> onError, Supplier<? extends R> onEmpty) {
            super(actual);
            this.onValue = onValue;
            this.onError = onError;
            this.onEmpty = onEmpty;
        }

        @Override
        public void onSubscribe(Subscription s) {
            if (Operators.validate(upstream, s)) {
                upstream = s;
                actual.onSubscribe(this);
                s.request(Long.MAX_VALUE);
            }
        }

        @Override
        public void onNext(T value) {
            if (ended) {
                Operators.onNextDropped(value, actual.currentContext());
                return;
            }
            ended = true;
            R result;
            try {
                result = Objects.requireNonNull(onValue.apply(value), "onValue returned null");
            } catch (Throwable failed) {
                fallBack(Operators.onOperatorError(upstream, failed, value, actual.currentContext()));
                return;
            }
            complete(result);
        }

        @Override
        public void onError(Throwable error) {
            if (ended) {
                Operators.onErrorDropped(error, actual.currentContext());
                return;
            }
            ended = true;
            fallBack(error);
        }

        /** The error's result, or, if {@code onError} itself fails, that failure as the error signal. */
        private void fallBack(Throwable error) {
            R result;
            try {
                result = Objects.requireNonNull(onError.apply(error), "onError returned null");
            } catch (Throwable failed) {
                // as onErrorResume: a failing fallback is the error that goes on (a signal, never a throw
                // back into the source's thread, which would leave the subscriber waiting for ever)
                if (failed != error) {
                    failed.addSuppressed(error);
                }
                actual.onError(Operators.onOperatorError(failed, actual.currentContext()));
                return;
            }
            complete(result);
        }

        @Override
        public void onComplete() {
            if (ended) {
                return;
            }
            ended = true;
            R result;
            try {
                result = Objects.requireNonNull(onEmpty.get(), "onEmpty returned null");
            } catch (Throwable failed) {
                actual.onError(Operators.onOperatorError(failed, actual.currentContext()));
                return;
            }
            complete(result);
        }

        @Override
        public void cancel() {
            super.cancel();
            upstream.cancel();
        }
    }
}
